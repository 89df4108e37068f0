"""Writes of team policies, priority ranks and blocked-by links. Each is atomic, checks the
actor's role and records exactly one audit event (``services.common.record``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from initiatives.models import Initiative, State, Task, Team
from initiatives.policies.models import PAIRING_MAX, WIP_MAX, Dependency, TeamPolicy
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import Conflict, NotFound, ValidationFailed
from initiatives.services.common import (
    bump_data_version,
    check_version,
    ensure_writable,
    lock_initiative,
    member_actor,
    record,
    reject_unknown,
    require_team_admin,
)

POLICY_FIELDS = ("wip_team", "wip_dri", "pairing_required", "pairing_min", "key_result_required")


def _bounded(name: str, value: Any, low: int, high: int, *, optional: bool) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        raise ValidationFailed(fields={name: ["Give a number."]})
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(fields={name: ["Give a whole number."]})
    if not low <= value <= high:
        raise ValidationFailed(fields={name: [f"Give a number from {low} to {high}."]})
    return value


def team_policy_set(
    *, team: Team, actor: Any, changes: Mapping[str, Any], expected_version: int | None = None
) -> TeamPolicy:
    """Set the team's policies (its EM). ``wip_team`` / ``wip_dri``: at most that many in
    delivery (None: no limit); ``pairing_required`` with ``pairing_min`` people (the DRI plus
    members, at least 2) to start delivery; ``key_result_required``: an initiative leaves
    scoping (or resumes into ready or later) only when linked to a key result. A lower limit
    than what is in delivery stops new starts; it moves nothing back."""
    reject_unknown(changes, POLICY_FIELDS)
    require_team_admin(actor, team)
    clean: dict[str, Any] = {}
    for name in ("wip_team", "wip_dri"):
        if name in changes:
            clean[name] = _bounded(name, changes[name], 1, WIP_MAX, optional=True)
    if "pairing_min" in changes:
        clean["pairing_min"] = _bounded(
            "pairing_min", changes["pairing_min"], 2, PAIRING_MAX, optional=False
        )
    for name in ("pairing_required", "key_result_required"):
        if name in changes:
            if not isinstance(changes[name], bool):
                raise ValidationFailed(fields={name: ["true or false."]})
            clean[name] = changes[name]
    with transaction.atomic():
        TeamPolicy.objects.get_or_create(team=team)
        policy = TeamPolicy.objects.select_for_update().get(team=team)
        check_version(policy, expected_version)
        before, after = {}, {}
        for name, value in clean.items():
            old = getattr(policy, name)
            if old != value:
                before[name], after[name] = old, value
                setattr(policy, name, value)
        if not after:
            return policy
        policy.version += 1
        policy.save()
        record(
            actor=actor,
            verb="team.policies_changed",
            summary=f"Changed the policies of {team.key}: "
            + ", ".join(f"{k} {before[k]} → {after[k]}" for k in sorted(after)),
            team_id=team.pk,
            target=policy,
            before=before,
            after=after,
        )
    return policy


# --- Priority ----------------------------------------------------------------------------------

DIRECTIONS = ("up", "down")


def initiative_rerank(
    *,
    initiative: Initiative,
    actor: Any,
    rank: int | None = None,
    direction: str = "",
    within_state: bool = False,
) -> Initiative:
    """Move ``initiative`` in its team's priority order: to position ``rank`` (1 first,
    beyond the last: last), or one place ``direction`` ("up", "down") — among the initiatives
    of its state with ``within_state`` (a board column). The initiatives between the old and
    the new place shift by one; ranks stay unique and keep their values' set (no new gaps).

    The team's initiative rows are locked (in id order, as every writer locks rows before
    the team row) and read afresh, so concurrent moves apply one after the other."""
    if rank is None and direction not in DIRECTIONS:
        raise ValidationFailed(fields={"direction": ["Choose up or down."]})
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 1):
        raise ValidationFailed(fields={"rank": ["A position from 1."]})
    who = member_actor(actor, initiative)
    perms.require(
        perms.can_rank(who), "Only an engineering manager or a product manager can reorder."
    )
    with transaction.atomic():
        # Every row of the team in id order (never this one first: two moves would wait for
        # each other), then this one afresh.
        rows = list(
            Initiative.objects.select_for_update()
            .filter(team_id=initiative.team_id)
            .order_by("pk")
            .values_list("pk", "rank", "state")
        )
        locked = Initiative.objects.select_related("team").get(pk=initiative.pk)
        order = sorted(rows, key=lambda r: (r[1], r[0]))
        here = next(i for i, r in enumerate(order) if r[0] == locked.pk)
        if rank is not None:
            there = min(rank, len(order)) - 1
        else:
            step = -1 if direction == "up" else 1
            there = here + step
            if within_state:
                while 0 <= there < len(order) and order[there][2] != locked.state:
                    there += step
            if not 0 <= there < len(order):
                return locked  # already first / last: nothing moves
        if there == here:
            return locked
        low, high = min(here, there), max(here, there)
        segment = order[low : high + 1]
        ranks = [r[1] for r in segment]
        moved = [r for r in segment if r[0] != locked.pk]
        if there < here:
            moved.insert(0, order[here])
        else:
            moved.append(order[here])
        new = {pk: ranks[i] for i, (pk, _, _) in enumerate(moved)}
        pks = list(new)
        # Out of the way first (the unique constraint is checked row by row), then in place.
        Initiative.objects.filter(pk__in=pks).update(rank=-F("rank") - 1)
        Initiative.objects.filter(pk__in=pks).update(
            rank=Case(
                *(When(pk=pk, then=Value(value)) for pk, value in new.items()),
                output_field=IntegerField(),
            ),
            version=F("version") + 1,
        )
        old_rank = locked.rank
        locked.refresh_from_db(fields=["rank", "version"])
        record(
            actor=actor,
            verb="initiative.reranked",
            summary=f"Moved {locked.key} {'up' if there < here else 'down'} in priority "
            f"(rank {old_rank} → {locked.rank})",
            initiative=locked,
            target=locked,
            before={"rank": old_rank},
            after={"rank": locked.rank, "shifted": len(pks) - 1},
        )
    return locked


# --- Blocked by --------------------------------------------------------------------------------


def _visible_initiative(actor: Any, key: str) -> Initiative:
    found = (
        Initiative.objects.visible_to(actor).by_key(str(key or "")).select_related("team").first()
    )
    if found is None:
        raise NotFound(f"No initiative {key} that you can see.")
    return found


def dependency_add(
    *, initiative: Initiative, actor: Any, blocker_key: str, task: Task | None = None
) -> Dependency:
    """Mark ``initiative`` (or its ``task``) blocked by the initiative ``blocker_key``, in
    this team or another the actor can see (NotFound otherwise: names do not leak)."""
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(
            perms.can_mark_blocked(who, locked),
            "Only the DRI, an engineering manager or a product manager can mark this blocked.",
        )
        ensure_writable(locked)
        blocker = _visible_initiative(actor, blocker_key)
        if task is not None and task.initiative_id != locked.pk:
            raise NotFound("No such task in this initiative.")
        if blocker.pk == locked.pk:
            raise Conflict("An initiative cannot block itself.", code="dependency_self")
        if blocker.state in (State.DONE, State.CANCELLED):
            raise Conflict(
                f"{blocker.key} is {blocker.get_state_display().lower()}: it blocks nothing.",
                code="dependency_closed",
            )
        links = Dependency.objects.filter(initiative=locked, blocker=blocker)
        if links.filter(task=task).exists():
            raise Conflict(
                f"{'This task' if task else locked.key} is already blocked by {blocker.key}.",
                code="dependency_exists",
            )
        if Dependency.objects.filter(initiative=blocker, blocker=locked).exists():
            raise Conflict(
                f"{blocker.key} is blocked by {locked.key}: they would wait for each other.",
                code="dependency_cycle",
            )
        link = Dependency.objects.create(
            initiative=locked, task=task, blocker=blocker, created_by=actor
        )
        if blocker.team_id != locked.team_id:
            bump_data_version(blocker.team_id)  # the blocker's page lists its dependants
        what = f"the task “{task.title}” of {locked.key}" if task else locked.key
        record(
            actor=actor,
            verb="initiative.blocked_by_added",
            summary=f"Marked {what} blocked by {blocker.key}",
            initiative=locked,
            target=locked,
            after={"blocker": blocker.key, "task": task.pk if task else None},
        )
    return link


def dependency_remove(*, initiative: Initiative, actor: Any, pk: int) -> None:
    """Remove the blocked-by link ``pk`` of ``initiative`` (the blocker is done with, or it
    was a mistake)."""
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(
            perms.can_mark_blocked(who, locked),
            "Only the DRI, an engineering manager or a product manager can change this.",
        )
        ensure_writable(locked)
        link = (
            Dependency.objects.select_related("blocker__team", "task")
            .filter(initiative=locked, pk=pk)
            .first()
        )
        if link is None:
            raise NotFound("No such blocked-by link.")
        blocker = link.blocker
        link.delete()
        if blocker.team_id != locked.team_id:
            bump_data_version(blocker.team_id)
        what = f"the task “{link.task.title}” of {locked.key}" if link.task else locked.key
        record(
            actor=actor,
            verb="initiative.blocked_by_removed",
            summary=f"{what[0].upper()}{what[1:]} is no longer blocked by {blocker.key}",
            initiative=locked,
            target=locked,
            before={"blocker": blocker.key, "task": link.task_id},
        )
