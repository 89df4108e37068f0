"""The evidence pack of an initiative: every gate decision with who made it, when and on what
evidence, the overrides and risk changes with their reasons, and the head of the initiative's
hash chain, verified. What a reviewer or auditor downloads (API, JSON; the page, JSON or a
printable page); built from the audit log and the checklist as they are now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from initiatives.audit.chain import GENESIS
from initiatives.audit.verify import BrokenLink, verify
from initiatives.models import ActivityEvent, ChecklistItem, Initiative, SignoffRole
from initiatives.rules.checklists import is_required, stricter_risk
from initiatives.rules.workflow import GATE_NAMES

SIGNOFF_LABEL = dict(SignoffRole.choices)

# The events that decide a gate, and what each is called in the pack.
DECISION_VERBS: dict[str, str] = {
    "checklist_item.ticked": "Ticked",
    "checklist_item.signed_off": "Signed off",
    "checklist_item.waived": "Waived",
    "checklist_item.reopened": "Reopened",
    "initiative.gate_overridden": "Gate overridden",
    "initiative.transitioned": "Moved",
    "initiative.risk_changed": "Security risk changed",
    "initiative.updated": "Edited",
}


@dataclass(frozen=True, slots=True)
class ItemEvidence:
    """A checklist item as it stands, with its latest decision."""

    id: int
    gate: str
    section: str
    text: str
    required: bool
    signoff_role: str
    status: str
    decided_by: str  # the display name at the time of the decision
    decided_at: dt.datetime | None
    evidence: str
    note: str
    waiver_reason: str

    @property
    def gate_label(self) -> str:
        return GATE_NAMES.get(self.gate, self.gate)

    @property
    def signoff_label(self) -> str:
        return str(SIGNOFF_LABEL.get(self.signoff_role, ""))


@dataclass(frozen=True, slots=True)
class Decision:
    """One event of the audit log that decided something about a gate."""

    id: int
    at: dt.datetime
    kind: str  # a label of DECISION_VERBS
    verb: str
    actor: str  # the display name at the time
    summary: str
    reason: str
    items: list[int]
    content_hash: str


@dataclass(frozen=True, slots=True)
class EvidencePack:
    initiative: Initiative
    items: list[ItemEvidence]
    decisions: list[Decision]
    chain_events: int
    head_hash: str
    broken: BrokenLink | None
    generated_at: dt.datetime
    risk_levels: dict[str, str] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return self.broken is None


def _items_of(event: dict[str, Any]) -> list[int]:
    after = event["after"] if isinstance(event["after"], dict) else {}
    if event["target_type"] == "checklistitem" and event["target_id"]:
        return [event["target_id"]]
    return [*after.get("overridden_items", []), *after.get("reopened_items", [])]


def _is_decision(event: dict[str, Any]) -> bool:
    """Edits count when they reopened sign-offs (a new DRI who had signed one)."""
    if event["verb"] == "initiative.updated":
        return bool(isinstance(event["after"], dict) and event["after"].get("reopened_items"))
    return event["verb"] in DECISION_VERBS


def evidence_pack(initiative: Initiative, *, now: dt.datetime) -> EvidencePack:
    """The pack of ``initiative`` (its team loaded): three queries and one pass over its
    events to verify the chain."""
    items = [
        ItemEvidence(
            id=item.pk,
            gate=item.kind,
            section=item.section,
            text=item.text,
            required=is_required(
                item, stricter_risk(initiative.security_risk, initiative.security_risk_signed)
            ),
            signoff_role=item.signoff_role,
            status=item.status,
            decided_by=item.decided_by_name,
            decided_at=item.decided_at,
            evidence=item.evidence_value,
            note=item.note,
            waiver_reason=item.waiver_reason,
        )
        for item in ChecklistItem.objects.filter(initiative=initiative).order_by(
            "kind", "section_position", "position", "pk"
        )
    ]
    events = ActivityEvent.objects.filter(initiative=initiative).order_by("pk")
    columns = ("pk", "created_at", "verb", "actor_name", "summary", "target_type", "target_id")
    decisions = [
        Decision(
            id=e["pk"],
            at=e["created_at"],
            kind=DECISION_VERBS[e["verb"]],
            verb=e["verb"],
            actor=e["actor_name"],
            summary=e["summary"],
            reason=str((e["after"] or {}).get("reason", ""))
            if isinstance(e["after"], dict)
            else "",
            items=_items_of(e),
            content_hash=e["content_hash"],
        )
        for e in events.values(*columns, "after", "content_hash")
        if _is_decision(e)
    ]
    report = verify(initiative)
    return EvidencePack(
        initiative=initiative,
        items=items,
        decisions=decisions,
        chain_events=report.events,
        head_hash=next(iter(report.heads.values()), GENESIS),
        broken=report.broken[0] if report.broken else None,
        generated_at=now,
        risk_levels={
            "current": initiative.security_risk,
            "signed": initiative.security_risk_signed,
        },
    )


def pack_json(pack: EvidencePack, tz: dt.tzinfo) -> dict[str, Any]:
    """The pack as JSON-ready data, times in ``tz`` (the team's time zone)."""
    initiative = pack.initiative
    return {
        "initiative": initiative.key,
        "title": initiative.title,
        "state": initiative.state,
        "security_risk": initiative.security_risk or None,
        "security_risk_signed": initiative.security_risk_signed or None,
        "generated_at": iso_datetime(pack.generated_at, tz),
        "chain": {
            "events": pack.chain_events,
            "head_hash": pack.head_hash,
            "verified": pack.verified,
            "first_broken_link": str(pack.broken) if pack.broken else None,
        },
        "items": [
            {
                "id": item.id,
                "gate": item.gate,
                "section": item.section,
                "text": item.text,
                "required": item.required,
                "signoff_role": item.signoff_role or None,
                "status": item.status,
                "decided_by": item.decided_by or None,
                "decided_at": iso_datetime(item.decided_at, tz),
                "evidence": item.evidence,
                "note": item.note,
                "waiver_reason": item.waiver_reason,
            }
            for item in pack.items
        ],
        "decisions": [
            {
                "id": d.id,
                "at": iso_datetime(d.at, tz),
                "kind": d.kind,
                "verb": d.verb,
                "actor": d.actor or None,
                "summary": d.summary,
                "reason": d.reason,
                "items": d.items,
                "content_hash": d.content_hash,
            }
            for d in pack.decisions
        ],
    }


def iso_datetime(value: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    """ISO 8601 in ``tz``, UTC written as ``Z`` (as the API writes times)."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
