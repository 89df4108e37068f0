"""Initiatives: create, edit, move through the life cycle, manage their people."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    ChecklistKind,
    Initiative,
    ItemStatus,
    SecurityRisk,
    SignoffRole,
    State,
    Team,
)
from initiatives.policies.checks import delivery_breaches
from initiatives.rules import permissions as perms
from initiatives.rules.checklists import Facts
from initiatives.rules.dates import refuse_past_date, team_today
from initiatives.rules.exceptions import GateBlocked, InvalidTransition, ValidationFailed
from initiatives.rules.policies import policy_gate
from initiatives.rules.workflow import GATE_NAMES, find_transition, gates_checked
from initiatives.selectors.checklists import evaluate
from initiatives.services.checklists import snapshot_checklists, store_gate_progress
from initiatives.services.common import (
    check_text,
    check_version,
    display_name,
    ensure_team_member,
    ensure_writable,
    field_labels,
    full_clean,
    lock_initiative,
    lock_initiative_as,
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
    backfill: bool = False,
) -> Initiative:
    """Create an initiative numbered ``KEY-N`` with a snapshot of its team's checklists. A
    target date in the past is refused unless an EM imports history (``backfill``)."""
    check_text(title=title, summary=summary)
    who = perms.actor_for(actor, team)
    perms.ensure_member(who)
    perms.require(perms.can_create_initiative(who), "Viewers cannot create initiatives.")
    refuse_past_date(
        "target_date", target_date, team_today(team.tz), backfill=backfill, is_em=who.is_em
    )
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
        dri_history=[dri.pk],
    )
    full_clean(initiative, exclude=["number"])
    with transaction.atomic():
        initiative.number = _allocate_number(team)
        initiative.rank = initiative.number  # last: numbers only grow
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
    backfill: bool = False,
    reason: str = "",
) -> Initiative:
    """Edit the initiative's own fields (not its state: see ``initiative_transition``). A new
    target date in the past is refused unless an EM imports history (``backfill``).

    The security risk is a signed decision (``_decide_risk``); a new DRI who signed one of
    the initiative's reviews has that sign-off reopened (``_new_dri``). ``reason`` says why
    (required to lower a signed risk)."""
    reject_unknown(changes, EDITABLE_FIELDS)
    check_text(reason=reason, **changes)
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(
            perms.can_edit_fields(who, locked, set(changes)),
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
        if "target_date" in after:
            today = team_today(locked.team.tz)
            refuse_past_date(
                "target_date", locked.target_date, today, backfill=backfill, is_em=who.is_em
            )
        verb, notes = "initiative.updated", list[str]()
        if "security_risk" in after:
            verb, notes = _decide_risk(locked, who, before["security_risk"], reason, after)
        if "dri" in after:
            notes += _new_dri(locked, actor, before["dri"], after)
        if reason:
            after["reason"] = reason
        locked.version += 1
        locked.save()
        if {"design_doc_url", "security_risk"} & set(after) or after.get("reopened_items"):
            store_gate_progress(locked)
        record(
            actor=actor,
            verb=verb,
            summary="; ".join(
                [f"Edited {field_labels(Initiative, before)} of {locked.key}", *notes]
            ),
            initiative=locked,
            target=locked,
            before=before,
            after=after,
        )
    return locked


def _reopen_decisions(
    items: Iterable[ChecklistItem], actor: Any, note: str, after: dict[str, Any]
) -> list[str]:
    """Put decided items back to open as part of another write (recorded in its event's
    ``after["reopened_items"]``); returns their texts."""
    texts = []
    for item in items:
        item.status = ItemStatus.OPEN
        item.decided_by = actor
        item.decided_by_name = display_name(actor)
        item.decided_at = timezone.now()
        item.evidence_value = item.waiver_reason = ""
        item.note = note
        item.version += 1
        item.save()
        after.setdefault("reopened_items", []).append(item.pk)
        texts.append(f"“{item.text}”")
    return texts


def _decide_risk(
    initiative: Initiative, who: perms.Actor, old: str, reason: str, after: dict[str, Any]
) -> tuple[str, list[str]]:
    """A change of a decided security risk: lowering it needs security or an EM and a
    reason; any change reopens the signed DoR risk review (security signs the new level).
    Returns the event's verb and what to add to its summary."""
    review = ChecklistItem.objects.select_for_update().filter(
        initiative=initiative, kind=ChecklistKind.READY, signoff_role=SignoffRole.SECURITY
    )
    signed = [item for item in review if item.status == ItemStatus.DONE]
    if not perms.risk_is_decided(initiative, review_signed=bool(signed)):
        return "initiative.updated", []
    new = initiative.security_risk
    perms.require(perms.risk_change_refusal(who, old=old, new=new, decided=True))
    if perms.is_lowering(old, new):
        require_text(
            reason,
            "reason",
            "Say why the security risk is lower than was signed off.",
            code="reason_required",
        )
    label = SecurityRisk(new).label.lower() if new else "not assessed"
    was = SecurityRisk(old).label.lower() if old else "not assessed"
    note = f"Reopened: the security risk changed from {was} to {label}."
    reopened = _reopen_decisions(signed, who.user, note, after)
    notes = [f"security risk {was} → {label}" + (f": {reason}" if reason else "")]
    if reopened:
        notes.append(f"reopened the security sign-off {', '.join(reopened)}")
    return "initiative.risk_changed", notes


def _new_dri(initiative: Initiative, actor: Any, old: Any, after: dict[str, Any]) -> list[str]:
    """The new DRI joins ``dri_history`` (after the one they replace); the reviews they
    signed of this initiative are reopened (nobody signs off one they own or have owned)."""
    dri_id = initiative.dri_id
    initiative.dri_history = list(dict.fromkeys([*initiative.dri_history, old.pk, dri_id]))
    signed = (
        ChecklistItem.objects.select_for_update()
        .filter(initiative=initiative, status=ItemStatus.DONE, decided_by_id=dri_id)
        .exclude(signoff_role="")
    )
    name = display_name(initiative.dri)
    note = f"Reopened: {name}, who gave this sign-off, became the DRI."
    reopened = _reopen_decisions(signed, actor, note, after)
    if not reopened:
        return []
    return [f"reopened {', '.join(reopened)}: {name} signed it and is now the DRI"]


def initiative_transition(
    *,
    initiative: Initiative | str,
    to: str,
    actor: Any,
    reason: str = "",
    override: bool = False,
    expected_version: int | None = None,
) -> Initiative:
    """Move the initiative to ``to``.

    Refuses with InvalidTransition (no such move), NotAllowed (the actor may not), a
    ValidationFailed (reason missing) or GateBlocked listing the missing checklist items and,
    when it starts delivery, the team's policies refusing it (``policies.checks``).
    An engineering manager passes a blocked gate only with ``override=True`` and a reason.
    The row is locked: of two concurrent moves, the second sees the first's result.
    ``initiative``: the row, or (the API) its key, read once, locked, with the caller's role."""
    check_text(reason=reason)
    with transaction.atomic():
        if isinstance(initiative, Initiative):
            locked = lock_initiative(initiative)
        else:
            locked = lock_initiative_as(actor, f"No initiative {initiative}.", key=initiative)
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
        covered: list[int] = []
        # The team's policies are part of the move's gate: WIP limits and pairing into
        # delivery, a linked key result out of scoping (``gate``: where a refusal names them).
        breaches = [b.as_dict() for b in delivery_breaches(locked, locked.state, to)]
        gate = policy_gate(locked.state, to)
        if move.gate:
            for kind in gates_checked(move):
                unmet = evaluate(locked, kind).missing
                if unmet and (move.recheck or kind != move.gate):
                    answered, unmet = _covered_by_override(locked, unmet)
                    covered += answered
                if unmet and not override:
                    message = (
                        f"{locked.key} cannot move to {State(to).label}: {len(unmet)} required "
                        f"item(s) of the {GATE_NAMES[kind]} are not met."
                    )
                    if breaches:
                        raise GateBlocked(
                            f"{message} {' '.join(b['detail'] for b in breaches)}",
                            gate=gate,
                            missing=unmet,
                            policies=breaches,
                        )
                    raise GateBlocked(message, gate=kind, missing=unmet)
                missing += unmet
            if breaches and not override:
                raise GateBlocked(
                    " ".join(b["detail"] for b in breaches),
                    gate=gate,
                    missing=[],
                    policies=breaches,
                )
            if missing or breaches:
                perms.require(
                    perms.can_override_gate(who), "Only an engineering manager can override a gate."
                )
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
        if covered:
            after["covered_by_override"] = covered
        if missing or breaches:
            after["gate"] = move.gate if missing else gate
            after["overridden_items"] = [item["id"] for item in missing]
            passed = [f"{len(missing)} item(s) missing"] if missing else []
            if breaches:
                after["overridden_policies"] = [
                    {k: b[k] for k in ("policy", "limit", "current")} for b in breaches
                ]
                passed.append("policies " + ", ".join(b["policy"] for b in breaches))
            record(
                actor=actor,
                verb="initiative.gate_overridden",
                summary=f"Overrode the {after['gate']} gate of {locked.key} "
                f"({'; '.join(passed)}): {reason}",
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


def _covered_by_override(
    initiative: Initiative, missing: list[dict[str, Any]]
) -> tuple[list[int], list[dict[str, Any]]]:
    """Split a re-checked gate's ``missing`` items into those an earlier override already
    answered for (it listed them, and they have not been decided since) and the rest. An
    override is a decision about the items missing at that moment: an item reopened after the
    gate was passed is a new fact, which needs the gate met again or a new override."""
    overrides = ActivityEvent.objects.filter(
        initiative=initiative, verb="initiative.gate_overridden"
    ).values_list("after", "created_at")
    answered: dict[int, Any] = {}
    for after, when in overrides:
        for pk in after.get("overridden_items", []):
            answered[pk] = max(when, answered.get(pk, when))
    if not answered:
        return [], missing
    decided = dict(
        ChecklistItem.objects.filter(pk__in=[m["id"] for m in missing]).values_list(
            "pk", "decided_at"
        )
    )
    covered = [
        m["id"]
        for m in missing
        if m["id"] in answered
        and (decided.get(m["id"]) is None or decided[m["id"]] < answered[m["id"]])
    ]
    return covered, [m for m in missing if m["id"] not in covered]


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
            summary=f"{'Added' if add else 'Removed'} {display_name(user)} as {kind} "
            f"of {locked.key}",
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
