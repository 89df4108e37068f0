"""Teams, initiatives and their checklists: output functions, the serializers describing those
shapes (see ``serializers.common``), and the input serializers. No business rules here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from rest_framework import serializers

from initiatives.api.serializers.common import (
    GATES,
    JSON,
    GateSerializer,
    GatesSerializer,
    GateSummariesSerializer,
    UsernameField,
    UserRefSerializer,
    gate_full,
    gate_summary,
    iso_date,
    iso_datetime,
    user_ref,
)
from initiatives.api.serializers.goals import KeyResultIdsField
from initiatives.api.serializers.work import MilestoneSerializer, milestone_out
from initiatives.models import (
    ChecklistItem,
    ChecklistKind,
    Evidence,
    Health,
    ItemStatus,
    Rule,
    SecurityRisk,
    SignoffRole,
    State,
    Team,
    Weekday,
)
from initiatives.rules.checklists import (
    Facts,
    GateProgress,
    GateResult,
    evaluate_gate,
    is_required,
    is_satisfied,
)
from initiatives.rules.limits import TEXT_CHARS
from initiatives.rules.workflow import transitions_from
from initiatives.selectors.initiatives import InitiativeDetail, InitiativeRow

GateShape = Callable[[GateResult | GateProgress], JSON]

# --- Teams -------------------------------------------------------------------------------------


def team_out(team: Team, *, role: str) -> JSON:
    """One of the caller's teams, with the caller's ``role`` in it."""
    return {
        "key": team.key,
        "name": team.name,
        "time_zone": team.time_zone,
        "reminder_weekday": team.reminder_weekday,
        "reminder_time": str(team.reminder_time),
        "digest_weekday": team.digest_weekday,
        "digest_time": str(team.digest_time),
        "role": role,
    }


class TeamSerializer(serializers.Serializer):
    """Shape of ``team_out``."""

    key = serializers.CharField()
    name = serializers.CharField()
    time_zone = serializers.CharField(help_text="IANA time zone, e.g. Europe/Berlin.")
    reminder_weekday = serializers.ChoiceField(choices=Weekday.choices)
    # Local wall-clock times (no offset), so not OpenAPI "time" strings.
    reminder_time = serializers.CharField(help_text="HH:MM:SS, team time zone")
    digest_weekday = serializers.ChoiceField(choices=Weekday.choices)
    digest_time = serializers.CharField(help_text="HH:MM:SS, team time zone")
    role = serializers.CharField(help_text="The caller's role in the team.")


# --- Initiatives -------------------------------------------------------------------------------


def initiative_row(
    row: InitiativeRow, gate: GateShape = gate_summary, tz: dt.tzinfo | None = None
) -> JSON:
    """A list row (``selectors.list_initiatives``); ``gate`` shapes each gate."""
    tz = tz or timezone.get_current_timezone()
    initiative, current = row.initiative, row.current_milestone
    return {
        "key": initiative.key,
        "team": initiative.team.key,
        "number": initiative.number,
        "rank": initiative.rank,
        "title": initiative.title,
        "summary": initiative.summary,
        "state": initiative.state,
        "paused_from": initiative.paused_from,
        "health": initiative.health,
        "stale": row.stale,
        "dri": user_ref(initiative.dri),
        "design_doc_url": initiative.design_doc_url,
        "target_date": iso_date(initiative.target_date),
        "security_risk": initiative.security_risk,
        "cancel_reason": initiative.cancel_reason,
        "last_update_week": initiative.last_update_week,
        "progress": row.progress,
        "tasks_total": row.tasks_total,
        "tasks_closed": row.tasks_closed,
        "current_milestone": (
            {"id": current.id, "title": current.title, "due_date": iso_date(current.due_date)}
            if current
            else None
        ),
        "gates": {"ready": gate(row.gates.ready), "done": gate(row.gates.done)},
        "version": initiative.version,
        "state_changed_at": iso_datetime(initiative.state_changed_at, tz),
        "created_at": iso_datetime(initiative.created_at, tz),
        "updated_at": iso_datetime(initiative.updated_at, tz),
    }


def initiative_detail_out(detail: InitiativeDetail) -> JSON:
    """``selectors.initiative_detail``: the row with full gates, people, milestones and the
    moves out of its state."""
    tz = timezone.get_current_timezone()
    key = detail.key
    return {
        **initiative_row(detail, gate_full, tz),
        "members": [user_ref(u) for u in detail.members],
        "stakeholders": [user_ref(u) for u in detail.stakeholders],
        "milestones": [
            milestone_out(
                m.milestone,
                initiative_key=key,
                tasks_total=m.tasks_total,
                tasks_closed=m.tasks_closed,
                slips=m.slips,
                tz=tz,
            )
            for m in detail.milestones
        ],
        "transitions": [
            {
                "to": move.target,
                "label": move.label,
                "gate": move.gate,
                "needs_reason": move.needs_reason,
            }
            for move in transitions_from(detail.state, paused_from=detail.paused_from)
        ],
    }


class CurrentMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_date = serializers.DateField()


class InitiativeSerializer(serializers.Serializer):
    """Shape of ``initiative_row``."""

    key = serializers.CharField(help_text="KEY-N, e.g. PLAT-12.")
    team = serializers.CharField(help_text="The team's key.")
    number = serializers.IntegerField()
    rank = serializers.IntegerField(help_text="Priority within the team: 1 first.")
    title = serializers.CharField()
    summary = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    paused_from = serializers.ChoiceField(choices=State.choices, allow_blank=True)
    health = serializers.ChoiceField(choices=Health.choices, allow_blank=True)
    stale = serializers.BooleanField()
    dri = UserRefSerializer()
    design_doc_url = serializers.CharField(help_text="A URL, or empty.")
    target_date = serializers.DateField(allow_null=True)
    security_risk = serializers.ChoiceField(choices=SecurityRisk.choices, allow_blank=True)
    cancel_reason = serializers.CharField()
    last_update_week = serializers.CharField(help_text="ISO week of the latest update, or empty.")
    progress = serializers.IntegerField(help_text="Percent of tasks closed.")
    tasks_total = serializers.IntegerField()
    tasks_closed = serializers.IntegerField()
    current_milestone = CurrentMilestoneSerializer(allow_null=True)
    gates = GateSummariesSerializer()
    version = serializers.IntegerField()
    state_changed_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TransitionOptionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=State.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a wire name that shadows a DRF attribute (the metaclass moves it)
    gate = serializers.ChoiceField(choices=GATES, allow_null=True)
    needs_reason = serializers.BooleanField()


class InitiativeDetailSerializer(InitiativeSerializer):
    """Shape of ``initiative_detail_out``."""

    gates = GatesSerializer()  # type: ignore[assignment]  # the detail's gates list the missing items
    members = UserRefSerializer(many=True)
    stakeholders = UserRefSerializer(many=True)
    milestones = MilestoneSerializer(many=True)
    transitions = TransitionOptionSerializer(many=True)
    key_results = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of the key results (of its team's goals or goals shared with it) it "
        "contributes to.",
    )


class InitiativeCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=10, help_text="Team key, e.g. PLAT")
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_CHARS
    )
    dri = UsernameField(required=False, allow_null=True, default=None)
    design_doc_url = serializers.URLField(
        required=False, allow_blank=True, default="", max_length=500
    )
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    security_risk = serializers.ChoiceField(
        choices=SecurityRisk.choices, required=False, allow_blank=True, default=""
    )
    members = serializers.ListField(child=UsernameField(), required=False, default=list)
    stakeholders = serializers.ListField(child=UsernameField(), required=False, default=list)
    backfill = serializers.BooleanField(
        required=False,
        default=False,
        help_text="An EM importing history: allow a target date in the past.",
    )


class InitiativeUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_CHARS)
    dri = UsernameField(required=False)
    design_doc_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    target_date = serializers.DateField(required=False, allow_null=True)
    security_risk = serializers.ChoiceField(
        choices=SecurityRisk.choices, required=False, allow_blank=True
    )
    rank = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_000_000_000,
        help_text="Move to this place in the team's priority order (1 first; beyond the last: "
        "last). An EM or a PM only.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why: required to lower a security risk that security has signed off.",
    )
    backfill = serializers.BooleanField(
        required=False,
        default=False,
        help_text="An EM importing history: allow a target date in the past.",
    )
    key_results = KeyResultIdsField(
        required=False,
        help_text="Replace the key results it contributes to (ids of key results of its team's "
        "goals or of goals shared with it; another is `unknown_key_result`).",
    )


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=State.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    override = serializers.BooleanField(
        required=False,
        default=False,
        help_text="An EM passing a blocked gate; needs a reason.",
    )


# --- Checklists --------------------------------------------------------------------------------


def checklist_item_out(
    item: ChecklistItem, *, initiative_key: str, facts: Facts, tz: dt.tzinfo | None = None
) -> JSON:
    """An item, ``required`` and ``satisfied`` as the gate counts them (risk-scaled items,
    automatic rules) from the initiative's ``facts``; its decider must be loaded."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": item.pk,
        "initiative": initiative_key,
        "kind": item.kind,
        "section": item.section,
        "text": item.text,
        "guidance": item.guidance,
        "required": is_required(item, facts.scaling_risk),
        "signoff_role": item.signoff_role,
        "evidence_required": item.evidence,
        "rule": item.rule,
        "automatic": item.is_automatic,
        "status": item.status,
        "satisfied": is_satisfied(item, facts),
        "evidence": item.evidence_value,
        "note": item.note,
        "waiver_reason": item.waiver_reason,
        "decided_by": user_ref(item.decided_by),
        "decided_at": iso_datetime(item.decided_at, tz),
        "version": item.version,
    }


def checklists_out(initiative_key: str, items: list[ChecklistItem], facts: Facts) -> JSON:
    """Both checklists of an initiative: each gate evaluated, with its items."""
    tz = timezone.get_current_timezone()
    body: JSON = {"initiative": initiative_key}
    for kind in ChecklistKind.values:
        body[kind] = {
            **gate_full(evaluate_gate(kind, items, facts)),
            "items": [
                checklist_item_out(item, initiative_key=initiative_key, facts=facts, tz=tz)
                for item in items
                if item.kind == kind
            ],
        }
    return body


class ChecklistItemSerializer(serializers.Serializer):
    """Shape of ``checklist_item_out``."""

    id = serializers.IntegerField()
    initiative = serializers.CharField(help_text="The initiative's key.")
    kind = serializers.ChoiceField(choices=ChecklistKind.choices)
    section = serializers.CharField()
    text = serializers.CharField()
    guidance = serializers.CharField()
    required = serializers.BooleanField(  # type: ignore[assignment]  # a wire name that shadows a DRF attribute
        help_text="Required for the gate (risk-scaled items depend on the security risk)."
    )
    signoff_role = serializers.ChoiceField(choices=SignoffRole.choices, allow_blank=True)
    evidence_required = serializers.ChoiceField(choices=Evidence.choices, allow_blank=True)
    rule = serializers.ChoiceField(choices=Rule.choices, allow_blank=True)
    automatic = serializers.BooleanField()
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    satisfied = serializers.BooleanField(help_text="Counted as met by the gate.")
    evidence = serializers.CharField()
    note = serializers.CharField()
    waiver_reason = serializers.CharField()
    decided_by = UserRefSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()


class ChecklistSerializer(GateSerializer):
    items = ChecklistItemSerializer(many=True)


class ChecklistsSerializer(serializers.Serializer):
    """Shape of ``checklists_out``."""

    initiative = serializers.CharField()
    ready = ChecklistSerializer()
    done = ChecklistSerializer()


class ChecklistItemChangeSerializer(serializers.Serializer):
    # A PATCH, but the whole change: ``status`` says what it does (``api.schema``).
    partial_on_patch = False

    status = serializers.ChoiceField(choices=ItemStatus.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Waiver reason."
    )
