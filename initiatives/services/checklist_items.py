"""Checklist items: tick (with evidence), sign off, waive, reopen."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from initiatives.models import ChecklistItem, ChecklistKind, Evidence, ItemStatus, SignoffRole
from initiatives.rules import permissions as perms
from initiatives.rules.checklists import tick_precondition_refusal
from initiatives.rules.exceptions import Conflict, ValidationFailed
from initiatives.selectors.checklists import facts_for
from initiatives.services.checklists import store_gate_progress
from initiatives.services.common import (
    check_text,
    check_version,
    display_name,
    ensure_writable,
    lock_initiative,
    member_actor,
    record,
    require_text,
)


def _locked_item(item: ChecklistItem) -> tuple[ChecklistItem, Any]:
    initiative = lock_initiative(item.initiative_id)
    return ChecklistItem.objects.select_for_update().get(pk=item.pk), initiative


def _clean_evidence(item: ChecklistItem, evidence: str) -> str:
    evidence = (evidence or "").strip()
    if item.evidence == Evidence.URL:
        if not evidence:
            raise ValidationFailed(
                "This item needs a link as evidence.",
                fields={"evidence": ["Give a link (URL) as evidence."]},
                code="evidence_required",
            )
        try:
            URLValidator(schemes=["http", "https"])(evidence)
        except ValidationError:
            raise ValidationFailed(
                "The evidence must be an http(s) link.",
                fields={"evidence": ["Enter a valid http(s) URL."]},
                code="evidence_invalid",
            ) from None
    elif item.evidence == Evidence.TEXT and not evidence:
        raise ValidationFailed(
            "This item needs a note as evidence.",
            fields={"evidence": ["Write a note as evidence."]},
            code="evidence_required",
        )
    return evidence


def _is_risk_review(item: ChecklistItem) -> bool:
    """The DoR's security sign-off: the review of the security risk level."""
    return item.kind == ChecklistKind.READY and item.signoff_role == SignoffRole.SECURITY


def _summary(verb: str, item: ChecklistItem, initiative: Any) -> str:
    return f"{verb} “{item.text}” ({item.get_kind_display()}) on {initiative.key}"


def checklist_item_tick(
    *,
    item: ChecklistItem,
    actor: Any,
    evidence: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> ChecklistItem:
    """Mark an item done. Sign-off items only by the holder of that role (never the DRI);
    items asking for evidence only with it; automatic items never (their rule decides)."""
    check_text(evidence=evidence, note=note)
    with transaction.atomic():
        locked, initiative = _locked_item(item)
        who = member_actor(actor, initiative)
        perms.require(perms.tick_refusal(who, locked, initiative))
        ensure_writable(initiative)
        check_version(locked, expected_version)
        facts = facts_for(initiative)
        refusal = tick_precondition_refusal(locked, facts)
        if refusal:
            raise Conflict(refusal, code="precondition_unmet")
        evidence = _clean_evidence(locked, evidence)
        before = {"status": locked.status}
        locked.status = ItemStatus.DONE
        locked.decided_by = actor
        locked.decided_by_name = display_name(actor)
        locked.decided_at = timezone.now()
        locked.evidence_value = evidence
        locked.note = (note or "").strip()
        locked.waiver_reason = ""
        locked.version += 1
        locked.save()
        if _is_risk_review(locked):
            # Security signed this level: the DoD's risk-scaled approval now follows it.
            initiative.security_risk_signed = initiative.security_risk
            initiative.save(update_fields=["security_risk_signed", "updated_at"])
            facts = replace(facts, security_risk_signed=initiative.security_risk)
        store_gate_progress(initiative, facts=facts)
        verb = "Signed off" if locked.signoff_role else "Ticked"
        record(
            actor=actor,
            verb="checklist_item.signed_off" if locked.signoff_role else "checklist_item.ticked",
            summary=_summary(verb, locked, initiative),
            initiative=initiative,
            target=locked,
            before=before,
            after={
                "status": locked.status,
                "evidence": evidence,
                "note": locked.note,
                **({"security_risk": initiative.security_risk} if _is_risk_review(locked) else {}),
            },
        )
    return locked


def checklist_item_waive(
    *, item: ChecklistItem, actor: Any, reason: str, expected_version: int | None = None
) -> ChecklistItem:
    """Mark an item not applicable, with a reason: the DRI for ordinary items, only an EM
    for sign-off items."""
    check_text(reason=reason)
    with transaction.atomic():
        locked, initiative = _locked_item(item)
        who = member_actor(actor, initiative)
        perms.require(perms.waive_refusal(who, locked, initiative))
        ensure_writable(initiative)
        check_version(locked, expected_version)
        reason = require_text(
            reason, "reason", "Say why this item does not apply.", code="reason_required"
        )
        before = {"status": locked.status}
        locked.status = ItemStatus.WAIVED
        locked.decided_by = actor
        locked.decided_by_name = display_name(actor)
        locked.decided_at = timezone.now()
        locked.waiver_reason = reason
        locked.evidence_value = ""
        locked.version += 1
        locked.save()
        store_gate_progress(initiative)
        record(
            actor=actor,
            verb="checklist_item.waived",
            summary=_summary("Waived", locked, initiative) + f": {reason}",
            initiative=initiative,
            target=locked,
            before=before,
            after={"status": locked.status, "reason": reason},
        )
    return locked


def checklist_item_reopen(
    *, item: ChecklistItem, actor: Any, note: str = "", expected_version: int | None = None
) -> ChecklistItem:
    """Put a done or waived item back to open."""
    check_text(note=note)
    with transaction.atomic():
        locked, initiative = _locked_item(item)
        who = member_actor(actor, initiative)
        perms.require(perms.reopen_refusal(who, locked, initiative))
        ensure_writable(initiative)
        check_version(locked, expected_version)
        if locked.status == ItemStatus.OPEN:
            raise Conflict("The item is already open.", code="already_open")
        before = {"status": locked.status}
        locked.status = ItemStatus.OPEN
        locked.decided_by = actor
        locked.decided_by_name = display_name(actor)
        locked.decided_at = timezone.now()
        locked.evidence_value = ""
        locked.waiver_reason = ""
        locked.note = (note or "").strip()
        locked.version += 1
        locked.save()
        store_gate_progress(initiative)
        record(
            actor=actor,
            verb="checklist_item.reopened",
            summary=_summary("Reopened", locked, initiative),
            initiative=initiative,
            target=locked,
            before=before,
            after={"status": locked.status},
        )
    return locked
