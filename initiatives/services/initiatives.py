"""Initiatives: create, edit, move through the life cycle, manage their people."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from initiatives.models import Initiative, State, Team
from initiatives.rules import permissions as perms
from initiatives.rules.checklists import Facts
from initiatives.rules.exceptions import GateBlocked, InvalidTransition, ValidationFailed
from initiatives.rules.workflow import find_transition
from initiatives.selectors.checklists import evaluate
from initiatives.services.checklists import snapshot_checklists, store_gate_progress
from initiatives.services.common import (
    check_version,
    ensure_team_member,
    ensure_writable,
    full_clean,
    lock_initiative,
    member_actor,
    record,
    reject_unknown,
    require_text,
)

User = get_user_model()

EDITABLE_FIELDS = ("title", "summary", "dri", "design_doc_url", "target_date", "security_risk")


def _allocate_number(team: Team) -> int:
    # A conditional UPDATE takes the team row's lock until commit, so concurrent creations
    # in one team queue up and each gets the next number.
    Team.objects.filter(pk=team.pk).update(next_number=F("next_number") + 1)
    return Team.objects.filter(pk=team.pk).values_list("next_number", flat=True).get() - 1


def initiative_create(
    *,
    team: Team,
    actor: Any,
    title: str,
    summary: str = "",
    dri: Any = None,
    design_doc_url: str = "",
    target_date: Any = None,
    security_risk: str = "",
    members: Iterable[Any] = (),
    stakeholders: Iterable[Any] = (),
) -> Initiative:
    """Create an initiative numbered ``KEY-N`` with a snapshot of its team's checklists."""
    who = perms.actor_for(actor, team)
    perms.ensure_member(who)
    perms.require(perms.can_create_initiative(who), "Viewers cannot create initiatives.")
    dri = dri or actor
    ensure_team_member(dri, team.pk, "dri", allow_viewer=False)
    members, stakeholders = list(members), list(stakeholders)
    for user in members:
        ensure_team_member(user, team.pk, "members")
    for user in stakeholders:
        ensure_team_member(user, team.pk, "stakeholders")
    initiative = Initiative(
        team=team,
        number=0,
        title=(title or "").strip(),
        summary=summary or "",
        dri=dri,
        design_doc_url=design_doc_url or "",
        target_date=target_date,
        security_risk=security_risk or "",
    )
    full_clean(initiative, exclude=["number"])
    with transaction.atomic():
        initiative.number = _allocate_number(team)
        initiative.save()
        initiative.members.set(members)
        initiative.stakeholders.set(stakeholders)
        items = snapshot_checklists(initiative)
        facts = Facts(
            stakeholders=len(stakeholders),
            design_doc_url=initiative.design_doc_url,
            milestones=0,
            open_tasks=0,
            security_risk=initiative.security_risk,
        )
        store_gate_progress(initiative, facts=facts, items=items)
        record(
            actor=actor,
            verb="initiative.created",
            summary=f"Created {initiative.key} {initiative.title}",
            initiative=initiative,
            target=initiative,
            after={"title": initiative.title, "state": initiative.state, "dri": dri.pk},
        )
    return initiative


def initiative_update(
    *,
    initiative: Initiative,
    actor: Any,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Initiative:
    """Edit the initiative's own fields (not its state: see ``initiative_transition``)."""
    reject_unknown(changes, EDITABLE_FIELDS)
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(
            perms.can_edit_initiative(who, locked),
            "Only the DRI, an engineering manager or a product manager can edit this initiative.",
        )
        ensure_writable(locked)
        check_version(locked, expected_version)
        if "dri" in changes:
            if changes["dri"] is None:
                raise ValidationFailed(fields={"dri": ["An initiative always has a DRI."]})
            ensure_team_member(changes["dri"], locked.team_id, "dri", allow_viewer=False)
        before, after = {}, {}
        for name, value in changes.items():
            value = "" if value is None and name not in ("target_date", "dri") else value
            if name == "title":
                value = (value or "").strip()
            old = getattr(locked, name)
            if old != value:
                before[name], after[name] = old, value
                setattr(locked, name, value)
        if not after:
            return locked
        full_clean(locked)
        locked.version += 1
        locked.save()
        if {"design_doc_url", "security_risk"} & set(after):
            store_gate_progress(locked)
        record(
            actor=actor,
            verb="initiative.updated",
            summary=f"Edited {', '.join(sorted(after))} of {locked.key}",
            initiative=locked,
            target=locked,
            before=before,
            after=after,
        )
    return locked


def initiative_transition(
    *,
    initiative: Initiative,
    to: str,
    actor: Any,
    reason: str = "",
    override: bool = False,
    expected_version: int | None = None,
) -> Initiative:
    """Move the initiative to ``to``.

    Refuses with InvalidTransition (no such move), NotAllowed (the actor may not), a
    ValidationFailed (reason missing) or GateBlocked listing the missing checklist items.
    An engineering manager passes a blocked gate only with ``override=True`` and a reason.
    The row is locked: of two concurrent moves, the second sees the first's result."""
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(
            perms.can_transition(who, locked),
            "Only the DRI, an engineering manager or a product manager can move this initiative.",
        )
        check_version(locked, expected_version)
        move = find_transition(locked.state, to, paused_from=locked.paused_from)
        if move.em_only:
            perms.require(
                perms.can_reopen_done(who),
                "Only an engineering manager can reopen a finished initiative.",
            )
        if move.needs_reason or override:
            reason = require_text(
                reason, "reason", "Give a reason for this move.", code="reason_required"
            )
        missing: list[dict[str, Any]] = []
        if move.gate:
            gate = evaluate(locked, move.gate)
            if not gate.met:
                if not override:
                    raise GateBlocked(
                        f"{locked.key} cannot move to {State(to).label}: "
                        f"{len(gate.missing)} required checklist item(s) are not met.",
                        gate=move.gate,
                        missing=gate.missing,
                    )
                perms.require(
                    perms.can_override_gate(who), "Only an engineering manager can override a gate."
                )
                missing = gate.missing
        elif override:
            raise InvalidTransition(
                "This move has no gate to override.", code="nothing_to_override"
            )

        before = {"state": locked.state}
        if to == State.PAUSED:
            locked.paused_from = locked.state
        elif locked.state == State.PAUSED:
            locked.paused_from = ""
        if to == State.CANCELLED:
            locked.cancel_reason = reason
        locked.state = to
        locked.state_changed_at = timezone.now()
        locked.version += 1
        locked.save()
        after: dict[str, Any] = {"state": to}
        if reason:
            after["reason"] = reason
        if missing:
            after["overridden_items"] = [item["id"] for item in missing]
            record(
                actor=actor,
                verb="initiative.gate_overridden",
                summary=f"Overrode the {move.gate} gate of {locked.key} ({len(missing)} item(s) "
                f"missing): {reason}",
                initiative=locked,
                target=locked,
                before=before,
                after=after,
            )
        else:
            record(
                actor=actor,
                verb="initiative.transitioned",
                summary=f"Moved {locked.key} from {State(before['state']).label} "
                f"to {State(to).label}",
                initiative=locked,
                target=locked,
                before=before,
                after=after,
            )
    return locked


PEOPLE_KINDS = ("member", "stakeholder")


def _people_relation(initiative: Initiative, kind: str):
    if kind not in PEOPLE_KINDS:
        raise ValidationFailed(fields={"kind": [f"Choose one of: {', '.join(PEOPLE_KINDS)}."]})
    return initiative.members if kind == "member" else initiative.stakeholders


def _change_people(*, initiative: Initiative, actor: Any, user: Any, kind: str, add: bool):
    """Add or remove ``user`` as a member or stakeholder: one write, one audit event."""
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(
            perms.can_manage_people(who, locked),
            "Only the DRI or an engineering manager can change who is on this initiative.",
        )
        ensure_writable(locked)
        relation = _people_relation(locked, kind)
        listed = relation.filter(pk=user.pk).exists()
        if add:
            ensure_team_member(user, locked.team_id, "user")
            if listed:
                raise ValidationFailed(
                    fields={"user": [f"{user} is already a {kind}."]}, code="duplicate"
                )
            relation.add(user)
        else:
            if not listed:
                raise ValidationFailed(
                    fields={"user": [f"{user} is not a {kind}."]}, code="not_listed"
                )
            relation.remove(user)
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        if kind == "stakeholder":
            store_gate_progress(locked)
        record(
            actor=actor,
            verb=f"initiative.{kind}_{'added' if add else 'removed'}",
            summary=f"{'Added' if add else 'Removed'} {user} as {kind} of {locked.key}",
            initiative=locked,
            target=locked,
            before={} if add else {kind: user.pk},
            after={kind: user.pk} if add else {},
        )
    return locked


def initiative_person_add(
    *, initiative: Initiative, actor: Any, user: Any, kind: str
) -> Initiative:
    """Add ``user`` (a member of the team) as a member or stakeholder of the initiative."""
    return _change_people(initiative=initiative, actor=actor, user=user, kind=kind, add=True)


def initiative_person_remove(
    *, initiative: Initiative, actor: Any, user: Any, kind: str
) -> Initiative:
    """Remove ``user`` as a member or stakeholder of the initiative."""
    return _change_people(initiative=initiative, actor=actor, user=user, kind=kind, add=False)
