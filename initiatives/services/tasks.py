"""Tasks: create, edit, assign, move. Delivery tasks (in a milestone) need a ready
initiative; adding one to a started milestone is recorded as a scope change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from initiatives.compiled import CompiledRead
from initiatives.models import (
    CLOSED_TASK_STATES,
    Initiative,
    Milestone,
    MilestoneState,
    Task,
    TaskState,
)
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import Conflict, ValidationFailed
from initiatives.rules.workflow import delivery_task_refusal
from initiatives.services.checklists import store_gate_progress
from initiatives.services.common import (
    check_text,
    check_version,
    display_name,
    ensure_team_member,
    ensure_writable,
    full_clean,
    lock_initiative,
    lock_initiative_as,
    member_actor,
    record,
    reject_unknown,
)

EDITABLE_FIELDS = ("title", "state", "assignee", "milestone", "external_url")


def _require_manage(actor: Any, initiative: Initiative) -> None:
    who = member_actor(actor, initiative)
    perms.require(perms.can_manage_tasks(who, initiative), "Viewers cannot change tasks.")
    ensure_writable(initiative)


def _check_milestone(initiative: Initiative, milestone: Milestone | None) -> bool:
    """Validate a task's milestone; True when adding to it changes a started scope."""
    if milestone is None:
        return False
    if milestone.initiative_id != initiative.pk:
        raise ValidationFailed(
            fields={"milestone": ["That milestone belongs to another initiative."]}
        )
    refusal = delivery_task_refusal(initiative.state, initiative.paused_from)
    if refusal:
        raise Conflict(refusal, code="initiative_not_ready")
    if milestone.state in (MilestoneState.DONE, MilestoneState.CANCELLED):
        raise Conflict(
            f"Milestone “{milestone.title}” is {milestone.get_state_display().lower()}; "
            "reopen it before adding work.",
            code="milestone_closed",
        )
    return milestone.state == MilestoneState.IN_PROGRESS


def task_create(
    *,
    initiative: Initiative,
    actor: Any,
    title: str,
    milestone: Milestone | None = None,
    assignee: Any = None,
    external_url: str = "",
    state: str = TaskState.TODO,
) -> Task:
    check_text(title=title, external_url=external_url)
    with transaction.atomic():
        locked = lock_initiative(initiative)
        _require_manage(actor, locked)
        scope_change = _check_milestone(locked, milestone)
        ensure_team_member(assignee, locked.team_id, "assignee", allow_viewer=False)
        task = Task(
            initiative=locked,
            milestone=milestone,
            title=(title or "").strip(),
            assignee=assignee,
            external_url=external_url or "",
            state=state,
            scope_change=scope_change,
        )
        if state in CLOSED_TASK_STATES:
            task.closed_at = timezone.now()
        full_clean(task)
        task.save()
        store_gate_progress(locked)  # "all tasks closed" counts the tasks and the open ones
        where = ""
        if scope_change and milestone is not None:
            where = f" to started milestone “{milestone.title}” (scope change)"
        record(
            actor=actor,
            verb="task.created",
            summary=f"Added task “{task.title}”{where} on {locked.key}",
            initiative=locked,
            target=task,
            after={"title": task.title, "milestone": milestone, "scope_change": scope_change},
        )
    return task


# Built once per process (initiatives.compiled): every task edit reads it, locked.
_TASK_LOCKED: CompiledRead[Task] = CompiledRead(
    lambda task_id: Task.objects.select_for_update(of=("self",)).filter(pk=task_id).order_by()[:1],
    related=("milestone", "assignee"),
    task_id=int,
)


def task_update(
    *,
    task: Task | int,
    actor: Any,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Task:
    """Edit, assign or move a task (``task``: the row or its id; it is read again, locked).

    The initiative and the task are each read once, with their locks (initiative first); the
    caller's role comes with the initiative and is checked before the task is locked; only the
    changed columns are written."""
    reject_unknown(changes, EDITABLE_FIELDS)
    check_text(**changes)
    task_id = task if isinstance(task, int) else task.pk
    with transaction.atomic():
        initiative = lock_initiative_as(actor, f"No task {task_id}.", task_id=task_id)
        _require_manage(actor, initiative)
        if changes.get("assignee") is not None:
            ensure_team_member(
                changes["assignee"], initiative.team_id, "assignee", allow_viewer=False
            )
        locked = _TASK_LOCKED.rows(task_id=task_id)[0]  # it exists: its initiative was found
        locked.initiative = initiative
        check_version(locked, expected_version)
        before, after = {}, {}
        for name, value in changes.items():
            if name == "title":
                value = (value or "").strip()
            if name == "external_url" and value is None:
                value = ""
            if getattr(locked, name) != value:
                before[name], after[name] = getattr(locked, name), value
        if not after:
            return locked
        scope_change = False
        if "milestone" in after:
            scope_change = _check_milestone(initiative, after["milestone"])
        milestone = after.get("milestone", locked.milestone)
        new_state = after.get("state", locked.state)
        if (
            milestone is not None
            and milestone.state == MilestoneState.DONE
            and new_state not in CLOSED_TASK_STATES
        ):
            raise Conflict(
                f"Milestone “{milestone.title}” is complete; reopen it before reopening its work.",
                code="milestone_closed",
            )
        for name, value in after.items():
            setattr(locked, name, value)
        changed = [*after, "version", "updated_at"]
        if "state" in after:
            locked.closed_at = timezone.now() if new_state in CLOSED_TASK_STATES else None
            changed.append("closed_at")
        if scope_change:
            locked.scope_change = True
            changed.append("scope_change")
        full_clean(locked)
        locked.version += 1
        locked.save(update_fields=changed)
        if "state" in after and (before["state"] in CLOSED_TASK_STATES) != (
            new_state in CLOSED_TASK_STATES
        ):
            store_gate_progress(initiative)  # "all tasks closed" may have changed
        if set(after) == {"state"}:
            verb, summary = (
                "task.moved",
                f"Moved task “{locked.title}” to {locked.get_state_display()}",
            )
        elif set(after) == {"assignee"}:
            verb = "task.assigned"
            assignee = display_name(locked.assignee) or "nobody"
            summary = f"Assigned task “{locked.title}” to {assignee}"
        else:
            verb, summary = "task.updated", f"Edited task “{locked.title}”"
        if scope_change and milestone is not None:
            after["scope_change"] = True
            summary += f" (scope change: added to started milestone “{milestone.title}”)"
        record(
            actor=actor,
            verb=verb,
            summary=f"{summary} on {initiative.key}",
            initiative=initiative,
            target=locked,
            before=before,
            after=after,
        )
    return locked
