"""Milestones: plan, reschedule (every date change is a recorded slip), start, complete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from initiatives.models import (
    CLOSED_TASK_STATES,
    Initiative,
    Milestone,
    MilestoneSlip,
    MilestoneState,
)
from initiatives.rules import permissions as perms
from initiatives.rules.dates import refuse_past_date, team_today
from initiatives.rules.exceptions import Conflict, ValidationFailed
from initiatives.rules.workflow import (
    find_milestone_transition,
    milestone_complete_refusal,
    milestone_start_refusal,
)
from initiatives.services.checklists import store_gate_progress
from initiatives.services.common import (
    check_text,
    check_version,
    ensure_writable,
    full_clean,
    lock_initiative,
    member_actor,
    record,
    reject_unknown,
    require_text,
)

EDITABLE_FIELDS = ("title", "scope", "due_date", "position")
STARTED_STATES = (MilestoneState.IN_PROGRESS, MilestoneState.DONE)
# The audit verb of a move to a state (any other move: "milestone.transitioned").
MILESTONE_VERBS: dict[str, str] = {
    MilestoneState.IN_PROGRESS: "milestone.started",
    MilestoneState.DONE: "milestone.completed",
}


def _require_manage(actor: Any, initiative: Initiative) -> perms.Actor:
    who = member_actor(actor, initiative)
    perms.require(
        perms.can_manage_milestones(who, initiative),
        "Only the DRI, the initiative's members or a manager can change its milestones.",
    )
    ensure_writable(initiative)
    return who


def _refuse_past(due_date: Any, initiative: Initiative, who: perms.Actor, backfill: bool) -> None:
    """A delivery date before the team's today is history: only an EM importing it may set
    one (``rules.dates.refuse_past_date``)."""
    today = team_today(initiative.team.tz)
    refuse_past_date("due_date", due_date, today, backfill=backfill, is_em=who.is_em)


def milestone_create(
    *,
    initiative: Initiative,
    actor: Any,
    title: str,
    due_date: Any,
    scope: str = "",
    position: int = 0,
    backfill: bool = False,
) -> Milestone:
    """Plan a milestone due on ``due_date``: today or later in the team's time zone, unless an
    EM imports history (``backfill``)."""
    check_text(title=title, scope=scope)
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = _require_manage(actor, locked)
        if due_date is None:
            raise ValidationFailed(fields={"due_date": ["A milestone needs a delivery date."]})
        milestone = Milestone(
            initiative=locked,
            title=(title or "").strip(),
            scope=scope or "",
            due_date=due_date,
            original_due_date=due_date,
            position=position or 0,
        )
        full_clean(milestone)  # also parses a date given as text
        _refuse_past(milestone.due_date, locked, who, backfill)
        milestone.original_due_date = milestone.due_date
        milestone.save()
        store_gate_progress(locked)  # "milestones planned" may now hold
        record(
            actor=actor,
            verb="milestone.created",
            summary=f"Planned milestone “{milestone.title}” of {locked.key} for {due_date}",
            initiative=locked,
            target=milestone,
            after={
                "title": milestone.title,
                "due_date": milestone.due_date,
                **({"backfill": True} if backfill else {}),
            },
        )
    return milestone


def milestone_update(
    *,
    milestone: Milestone,
    actor: Any,
    changes: Mapping[str, Any],
    slip_reason: str = "",
    expected_version: int | None = None,
    backfill: bool = False,
) -> Milestone:
    """Edit a milestone. Every new delivery date is recorded (``MilestoneSlip``); once the
    milestone has started the move needs a reason and counts as a slip or a pull-in
    (``rules.dates``). A new date in the past is refused unless an EM imports history
    (``backfill``)."""
    reject_unknown(changes, EDITABLE_FIELDS)
    check_text(**changes, slip_reason=slip_reason)
    with transaction.atomic():
        initiative = lock_initiative(milestone.initiative_id)
        who = _require_manage(actor, initiative)
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        check_version(locked, expected_version)
        before, after = {}, {}
        for name, value in changes.items():
            if name == "title":
                value = (value or "").strip()
            if getattr(locked, name) != value:
                before[name], after[name] = getattr(locked, name), value
                setattr(locked, name, value)
        if not after:
            return locked
        if "due_date" in after and after["due_date"] is None:
            raise ValidationFailed(fields={"due_date": ["A milestone needs a delivery date."]})
        full_clean(locked)
        if "due_date" in after:
            _refuse_past(locked.due_date, initiative, who, backfill)
        slipped = "due_date" in after
        if slipped and locked.state in STARTED_STATES:
            slip_reason = require_text(
                slip_reason,
                "slip_reason",
                "The milestone has started: say why its delivery date moves.",
                code="slip_reason_required",
            )
        locked.version += 1
        locked.save()
        if slipped:
            slip = MilestoneSlip.objects.create(
                milestone=locked,
                old_date=before["due_date"],
                new_date=locked.due_date,
                reason=(slip_reason or "").strip(),
                actor=actor,
            )
            after["slip_reason"] = slip.reason
            if backfill:
                after["backfill"] = True
            summary = (
                f"Moved milestone “{locked.title}” of {initiative.key} from "
                f"{slip.old_date} to {slip.new_date}"
            )
        else:
            summary = f"Edited milestone “{locked.title}” of {initiative.key}"
        record(
            actor=actor,
            verb="milestone.slipped" if slipped else "milestone.updated",
            summary=summary + (f": {slip_reason}" if slipped and slip_reason else ""),
            initiative=initiative,
            target=locked,
            before=before,
            after=after,
        )
    return locked


def milestone_transition(*, milestone: Milestone, actor: Any, to: str) -> Milestone:
    """Start (only while the initiative is in delivery), complete (only when every task is
    done or won't do), cancel, reopen or restore a milestone."""
    with transaction.atomic():
        initiative = lock_initiative(milestone.initiative_id)
        _require_manage(actor, initiative)
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        find_milestone_transition(locked.state, to)
        if to == MilestoneState.IN_PROGRESS:
            refusal = milestone_start_refusal(initiative.state)
            if refusal:
                raise Conflict(refusal, code="initiative_not_in_delivery")
        if to == MilestoneState.DONE:
            open_titles = list(
                locked.tasks.exclude(state__in=CLOSED_TASK_STATES).values_list("title", flat=True)
            )
            refusal = milestone_complete_refusal(open_titles)
            if refusal:
                raise Conflict(refusal, code="open_tasks", data={"open_tasks": open_titles})
        before = {"state": locked.state}
        now = timezone.now()
        if to == MilestoneState.IN_PROGRESS and locked.started_at is None:
            locked.started_at = now
        locked.completed_at = now if to == MilestoneState.DONE else None
        locked.state = to
        locked.version += 1
        locked.save()
        if MilestoneState.CANCELLED in (before["state"], to):
            store_gate_progress(initiative)  # cancelled milestones do not count as planned
        verb = MILESTONE_VERBS.get(to, "milestone.transitioned")
        record(
            actor=actor,
            verb=verb,
            summary=f"Milestone “{locked.title}” of {initiative.key}: "
            f"{MilestoneState(before['state']).label} → {MilestoneState(to).label}",
            initiative=initiative,
            target=locked,
            before=before,
            after={"state": to},
        )
    return locked
