"""Serializers of the REST API: output shapes (read from what selectors loaded) and input
shapes (validated, then handed to one service). No business rules here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    Evidence,
    Health,
    Initiative,
    ItemStatus,
    Milestone,
    MilestoneState,
    Rule,
    SecurityRisk,
    SignoffRole,
    State,
    StatusUpdate,
    Task,
    TaskState,
    Team,
)
from initiatives.rules.checklists import is_required, is_satisfied
from initiatives.rules.workflow import transitions_from

User = get_user_model()


# --- Output: plain functions ----------------------------------------------------------------
#
# Read-only shapes are built as plain dicts by the functions below, one per shape, in the field
# order the serializer classes declare (the classes stay the schema's source: each overrides
# ``to_representation`` with its function). DRF's generic path (a Field object per value,
# nested serializers, SerializerMethodFields) cost several times as much per row.


def iso_datetime(value: dt.datetime | None, tz: Any = None) -> str | None:
    """As DRF's DateTimeField writes it: in the current time zone, ISO 8601, UTC as ``Z``."""
    if value is None:
        return None
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
    }


def gate_summary(gate: Any) -> dict[str, Any]:
    """A gate's progress (``GateResult`` or the stored ``GateProgress``): no missing items."""
    return {
        "met": gate.met,
        "percent": gate.percent,
        "required_total": gate.required_total,
        "required_satisfied": gate.required_satisfied,
    }


def missing_item(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: entry.get(name) for name in MISSING_ITEM_FIELDS}


def gate_full(gate: Any) -> dict[str, Any]:
    return {**gate_summary(gate), "missing": [missing_item(m) for m in gate.missing]}


def initiative_row(obj: Any, gate: Any = gate_summary, tz: Any = None) -> dict[str, Any]:
    """A list row (``selectors.list_initiatives``); ``gate`` shapes each gate."""
    tz = tz or timezone.get_current_timezone()
    current = None
    if obj.current_milestone_id is not None:
        current = {
            "id": obj.current_milestone_id,
            "title": obj.current_milestone_title,
            "due_date": iso_date(obj.current_milestone_due),
        }
    gates = obj.gates
    return {
        "key": obj.key,
        "team": obj.team.key,
        "number": obj.number,
        "title": obj.title,
        "summary": obj.summary,
        "state": obj.state,
        "paused_from": obj.paused_from,
        "health": obj.health,
        "stale": obj.stale,
        "dri": user_ref(obj.dri),
        "design_doc_url": obj.design_doc_url,
        "target_date": iso_date(obj.target_date),
        "security_risk": obj.security_risk,
        "cancel_reason": obj.cancel_reason,
        "last_update_week": obj.last_update_week,
        "progress": obj.progress,
        "tasks_total": obj.tasks_total or 0,
        "tasks_closed": obj.tasks_closed or 0,
        "current_milestone": current,
        "gates": {"ready": gate(gates.ready), "done": gate(gates.done)},
        "version": obj.version,
        "state_changed_at": iso_datetime(obj.state_changed_at, tz),
        "created_at": iso_datetime(obj.created_at, tz),
        "updated_at": iso_datetime(obj.updated_at, tz),
    }


def milestone_out(obj: Any, initiative_key: str | None = None, tz: Any = None) -> dict[str, Any]:
    tz = tz or timezone.get_current_timezone()
    return {
        "id": obj.pk,
        "initiative": initiative_key or obj.initiative.key,
        "title": obj.title,
        "scope": obj.scope,
        "due_date": iso_date(obj.due_date),
        "original_due_date": iso_date(obj.original_due_date),
        "state": obj.state,
        "position": obj.position,
        "tasks_total": getattr(obj, "tasks_total", 0) or 0,
        "tasks_closed": getattr(obj, "tasks_closed", 0) or 0,
        "slips": [
            {
                "old_date": iso_date(slip.old_date),
                "new_date": iso_date(slip.new_date),
                "reason": slip.reason,
                "created_at": iso_datetime(slip.created_at, tz),
            }
            for slip in obj.slips.all()
        ],
        "version": obj.version,
        "started_at": iso_datetime(obj.started_at, tz),
        "completed_at": iso_datetime(obj.completed_at, tz),
        "created_at": iso_datetime(obj.created_at, tz),
        "updated_at": iso_datetime(obj.updated_at, tz),
    }


def milestone_row_out(row: Any, initiative_key: str, tz: Any = None) -> dict[str, Any]:
    """A milestone of ``selectors.initiative_detail`` (its counts and slips loaded)."""
    return {
        **milestone_out(row.milestone, initiative_key, tz),
        "tasks_total": row.tasks_total,
        "tasks_closed": row.tasks_closed,
    }


def initiative_detail_out(obj: Any) -> dict[str, Any]:
    """``selectors.initiative_detail``'s initiative: the row with full gates, people,
    milestones and the moves out of its state."""
    tz = timezone.get_current_timezone()
    key = obj.key
    return {
        **initiative_row(obj, gate_full, tz),
        "members": [user_ref(u) for u in obj.members],
        "stakeholders": [user_ref(u) for u in obj.stakeholders],
        "milestones": [milestone_row_out(m, key, tz) for m in obj.milestones],
        "transitions": [
            {
                "to": move.target,
                "label": move.label,
                "gate": move.gate,
                "needs_reason": move.needs_reason,
            }
            for move in transitions_from(obj.state, paused_from=obj.paused_from)
        ],
    }


def task_out(obj: Any, initiative_key: str | None = None, tz: Any = None) -> dict[str, Any]:
    tz = tz or timezone.get_current_timezone()
    return {
        "id": obj.pk,
        "initiative": initiative_key or obj.initiative.key,
        "title": obj.title,
        "state": obj.state,
        "milestone": obj.milestone_id,
        "assignee": user_ref(obj.assignee),
        "external_url": obj.external_url,
        "scope_change": obj.scope_change,
        "version": obj.version,
        "closed_at": iso_datetime(obj.closed_at, tz),
        "created_at": iso_datetime(obj.created_at, tz),
        "updated_at": iso_datetime(obj.updated_at, tz),
    }


def status_update_out(obj: Any, initiative_key: str | None = None, tz: Any = None) -> dict:
    tz = tz or timezone.get_current_timezone()
    return {
        "id": obj.pk,
        "initiative": initiative_key or obj.initiative.key,
        "week": obj.week,
        "health": obj.health,
        "milestone": obj.milestone_id,
        "progress": obj.progress,
        "risks": obj.risks,
        "next_week": obj.next_week,
        "author": user_ref(obj.author),
        "revision": obj.revision,
        "created_at": iso_datetime(obj.created_at, tz),
        "updated_at": iso_datetime(obj.updated_at, tz),
    }


def checklist_item_out(
    obj: Any, initiative_key: str | None = None, facts: Any = None, tz: Any = None
) -> dict[str, Any]:
    """An item; with the initiative's ``facts``, ``satisfied`` counts automatic rules."""
    tz = tz or timezone.get_current_timezone()
    risk = facts.security_risk if facts else obj.initiative.security_risk
    return {
        "id": obj.pk,
        "initiative": initiative_key or obj.initiative.key,
        "kind": obj.kind,
        "section": obj.section,
        "text": obj.text,
        "guidance": obj.guidance,
        "required": is_required(obj, risk),
        "signoff_role": obj.signoff_role,
        "evidence_required": obj.evidence,
        "rule": obj.rule,
        "automatic": obj.is_automatic,
        "status": obj.status,
        "satisfied": obj.status != ItemStatus.OPEN if facts is None else is_satisfied(obj, facts),
        "evidence": obj.evidence_value,
        "note": obj.note,
        "waiver_reason": obj.waiver_reason,
        "decided_by": user_ref(obj.decided_by),
        "decided_at": iso_datetime(obj.decided_at, tz),
        "version": obj.version,
    }


# --- Shared pieces -----------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.username

    def to_representation(self, user: Any) -> dict[str, Any]:
        return user_ref(user)  # type: ignore[return-value]


class UsernameField(serializers.SlugRelatedField):
    """A user given by username (the services check team membership)."""

    def __init__(self, **kwargs: Any):
        super().__init__(slug_field="username", queryset=User.objects.all(), **kwargs)


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a stable code, a readable detail and field messages."""

    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


MISSING_ITEM_FIELDS = ("id", "section", "text", "required", "signoff_role", "why")


class MissingItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField()
    text = serializers.CharField()
    required = serializers.BooleanField()
    signoff_role = serializers.CharField(allow_null=True)
    why = serializers.CharField()


class GateBlockedSerializer(ErrorSerializer):
    gate = serializers.ChoiceField(choices=["ready", "done"])
    missing = MissingItemSerializer(many=True)


class StaleWriteSerializer(ErrorSerializer):
    current_version = serializers.IntegerField()
    your_version = serializers.IntegerField()


class GateSummarySerializer(serializers.Serializer):
    """A gate's progress as lists show it (the detail and /checklists/ add what is missing)."""

    met = serializers.BooleanField()
    percent = serializers.IntegerField()
    required_total = serializers.IntegerField()
    required_satisfied = serializers.IntegerField()


class GateSummariesSerializer(serializers.Serializer):
    ready = GateSummarySerializer()
    done = GateSummarySerializer()


class GateSerializer(GateSummarySerializer):
    missing = MissingItemSerializer(many=True)


class GatesSerializer(serializers.Serializer):
    ready = GateSerializer()
    done = GateSerializer()


# --- Teams -------------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="The caller's role in the team.")
    # Local wall-clock times (no offset), so not OpenAPI "time" strings.
    reminder_time = serializers.CharField(read_only=True, help_text="HH:MM:SS, team time zone")
    digest_time = serializers.CharField(read_only=True, help_text="HH:MM:SS, team time zone")

    class Meta:
        model = Team
        fields = [
            "key",
            "name",
            "time_zone",
            "reminder_weekday",
            "reminder_time",
            "digest_weekday",
            "digest_time",
            "role",
        ]

    def get_role(self, team: Team) -> str:
        return getattr(team, "caller_role", "")


# --- Initiatives -------------------------------------------------------------------------------


class CurrentMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_date = serializers.DateField()


class InitiativeSerializer(serializers.ModelSerializer):
    """A row of ``selectors.list_initiatives`` (annotations and gate summaries attached)."""

    key = serializers.CharField(read_only=True)
    team = serializers.CharField(source="team.key", read_only=True)
    dri = UserRefSerializer(read_only=True)
    stale = serializers.BooleanField(read_only=True)
    progress = serializers.IntegerField(read_only=True, help_text="Percent of tasks closed.")
    tasks_total = serializers.SerializerMethodField()
    tasks_closed = serializers.SerializerMethodField()
    current_milestone = serializers.SerializerMethodField()
    gates = GateSummariesSerializer(read_only=True)
    # Fields that may be blank, declared so that the schema says so.
    paused_from = serializers.ChoiceField(choices=State.choices, allow_blank=True, read_only=True)
    health = serializers.ChoiceField(choices=Health.choices, allow_blank=True, read_only=True)
    security_risk = serializers.ChoiceField(
        choices=SecurityRisk.choices, allow_blank=True, read_only=True
    )
    design_doc_url = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = Initiative
        fields = [
            "key",
            "team",
            "number",
            "title",
            "summary",
            "state",
            "paused_from",
            "health",
            "stale",
            "dri",
            "design_doc_url",
            "target_date",
            "security_risk",
            "cancel_reason",
            "last_update_week",
            "progress",
            "tasks_total",
            "tasks_closed",
            "current_milestone",
            "gates",
            "version",
            "state_changed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_tasks_total(self, obj: Any) -> int:
        return obj.tasks_total or 0

    def get_tasks_closed(self, obj: Any) -> int:
        return obj.tasks_closed or 0

    @staticmethod
    def _current(obj: Any) -> dict[str, Any] | None:
        if obj.current_milestone_id is None:
            return None
        return {
            "id": obj.current_milestone_id,
            "title": obj.current_milestone_title,
            "due_date": obj.current_milestone_due,
        }

    @extend_schema_field(CurrentMilestoneSerializer(allow_null=True))
    def get_current_milestone(self, obj: Any) -> dict[str, Any] | None:
        current = self._current(obj)
        return CurrentMilestoneSerializer(current).data if current else None

    def to_representation(self, obj: Any) -> dict[str, Any]:
        return initiative_row(obj)


class SlipSerializer(serializers.Serializer):
    old_date = serializers.DateField()
    new_date = serializers.DateField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class MilestoneSerializer(serializers.ModelSerializer):
    initiative = serializers.SerializerMethodField()
    tasks_total = serializers.SerializerMethodField()
    tasks_closed = serializers.SerializerMethodField()
    slips = SlipSerializer(many=True, read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "initiative",
            "title",
            "scope",
            "due_date",
            "original_due_date",
            "state",
            "position",
            "tasks_total",
            "tasks_closed",
            "slips",
            "version",
            "started_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_initiative(self, obj: Milestone) -> str:
        return self.context.get("initiative_key") or obj.initiative.key

    def to_representation(self, obj: Milestone) -> dict[str, Any]:
        return milestone_out(obj, self.context.get("initiative_key"))

    def get_tasks_total(self, obj: Any) -> int:
        return getattr(obj, "tasks_total", 0) or 0

    def get_tasks_closed(self, obj: Any) -> int:
        return getattr(obj, "tasks_closed", 0) or 0


class TransitionOptionSerializer(serializers.Serializer):
    to = serializers.CharField(source="target")
    label = serializers.CharField()
    gate = serializers.CharField(allow_null=True)
    needs_reason = serializers.BooleanField()


class InitiativeDetailSerializer(InitiativeSerializer):
    gates = GatesSerializer(read_only=True)
    members = UserRefSerializer(many=True, read_only=True)
    stakeholders = UserRefSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    transitions = serializers.SerializerMethodField()

    class Meta(InitiativeSerializer.Meta):
        fields = [
            *InitiativeSerializer.Meta.fields,
            "members",
            "stakeholders",
            "milestones",
            "transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(TransitionOptionSerializer(many=True))
    def get_transitions(self, obj: Any) -> list[dict[str, Any]]:
        moves = transitions_from(obj.state, paused_from=obj.paused_from)
        return TransitionOptionSerializer(moves, many=True).data

    def to_representation(self, obj: Any) -> dict[str, Any]:
        return initiative_detail_out(obj)


class InitiativeCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=10, help_text="Team key, e.g. PLAT")
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
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


class InitiativeUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    dri = UsernameField(required=False)
    design_doc_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    target_date = serializers.DateField(required=False, allow_null=True)
    security_risk = serializers.ChoiceField(
        choices=SecurityRisk.choices, required=False, allow_blank=True
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


class ChecklistItemSerializer(serializers.ModelSerializer):
    initiative = serializers.SerializerMethodField()
    automatic = serializers.BooleanField(source="is_automatic", read_only=True)
    required = serializers.SerializerMethodField(
        help_text="Required for the gate (risk-scaled items depend on the security risk)."
    )
    satisfied = serializers.SerializerMethodField()
    evidence_required = serializers.ChoiceField(
        source="evidence", choices=Evidence.choices, allow_blank=True, read_only=True
    )
    evidence = serializers.CharField(source="evidence_value", read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    signoff_role = serializers.ChoiceField(
        choices=SignoffRole.choices, allow_blank=True, read_only=True
    )
    rule = serializers.ChoiceField(choices=Rule.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "initiative",
            "kind",
            "section",
            "text",
            "guidance",
            "required",
            "signoff_role",
            "evidence_required",
            "rule",
            "automatic",
            "status",
            "satisfied",
            "evidence",
            "note",
            "waiver_reason",
            "decided_by",
            "decided_at",
            "version",
        ]
        read_only_fields = fields

    def get_initiative(self, obj: ChecklistItem) -> str:
        return self.context.get("initiative_key") or obj.initiative.key

    def get_required(self, obj: ChecklistItem) -> bool:
        facts = self.context.get("facts")
        risk = facts.security_risk if facts else obj.initiative.security_risk
        return is_required(obj, risk)

    def get_satisfied(self, obj: ChecklistItem) -> bool:
        facts = self.context.get("facts")
        if facts is None:
            return obj.status != ItemStatus.OPEN
        return is_satisfied(obj, facts)

    def to_representation(self, obj: ChecklistItem) -> dict[str, Any]:
        context = self.context
        return checklist_item_out(obj, context.get("initiative_key"), context.get("facts"))


class ChecklistSerializer(GateSerializer):
    items = ChecklistItemSerializer(many=True)


class ChecklistsSerializer(serializers.Serializer):
    initiative = serializers.CharField()
    ready = ChecklistSerializer()
    done = ChecklistSerializer()


class ChecklistItemChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Waiver reason."
    )


# --- Milestones and tasks ----------------------------------------------------------------------


class MilestoneCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    position = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10000)


class MilestoneUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    due_date = serializers.DateField(required=False)
    scope = serializers.CharField(required=False, allow_blank=True)
    position = serializers.IntegerField(required=False, min_value=0, max_value=10000)
    slip_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Required when moving due_date of a started milestone.",
    )


class MilestoneTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=MilestoneState.choices)


class TaskSerializer(serializers.ModelSerializer):
    initiative = serializers.SerializerMethodField()
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    milestone = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    external_url = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = Task
        fields = [
            "id",
            "initiative",
            "title",
            "state",
            "milestone",
            "assignee",
            "external_url",
            "scope_change",
            "version",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_initiative(self, obj: Task) -> str:
        return self.context.get("initiative_key") or obj.initiative.key

    def to_representation(self, obj: Task) -> dict[str, Any]:
        return task_out(obj, self.context.get("initiative_key"))


class MilestoneIdField(serializers.PrimaryKeyRelatedField):
    """A milestone id; the services check that it belongs to the initiative."""

    def __init__(self, **kwargs: Any):
        super().__init__(queryset=Milestone.objects.all(), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        # Ids beyond a 64-bit integer are not ids (and would overflow the database driver).
        if isinstance(data, int) and not 0 < data < 2**63:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    milestone = MilestoneIdField(required=False, allow_null=True, default=None)
    assignee = UsernameField(required=False, allow_null=True, default=None)
    external_url = serializers.URLField(
        required=False, allow_blank=True, default="", max_length=500
    )
    state = serializers.ChoiceField(choices=TaskState.choices, required=False, default="todo")


class TaskUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    milestone = MilestoneIdField(required=False, allow_null=True)
    assignee = UsernameField(required=False, allow_null=True)
    external_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    state = serializers.ChoiceField(choices=TaskState.choices, required=False)


# --- Weekly updates and activity ---------------------------------------------------------------


class StatusUpdateSerializer(serializers.ModelSerializer):
    initiative = serializers.SerializerMethodField()
    author = UserRefSerializer(read_only=True, allow_null=True)
    milestone = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "initiative",
            "week",
            "health",
            "milestone",
            "progress",
            "risks",
            "next_week",
            "author",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_initiative(self, obj: StatusUpdate) -> str:
        return self.context.get("initiative_key") or obj.initiative.key

    def to_representation(self, obj: StatusUpdate) -> dict[str, Any]:
        return status_update_out(obj, self.context.get("initiative_key"))


class StatusUpdateCreateSerializer(serializers.Serializer):
    health = serializers.ChoiceField(choices=Health.choices)
    progress = serializers.CharField(required=False, allow_blank=True, default="")
    risks = serializers.CharField(required=False, allow_blank=True, default="")
    next_week = serializers.CharField(required=False, allow_blank=True, default="")
    milestone = MilestoneIdField(required=False, allow_null=True, default=None)
    week = serializers.RegexField(
        r"^[0-9]{4}-W[0-9]{2}$",
        required=False,
        allow_null=True,
        default=None,
        help_text="ISO week (e.g. 2026-W47); this week when omitted, last week allowed.",
    )


class ActivitySerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)
    before = serializers.DictField(read_only=True)
    after = serializers.DictField(read_only=True)

    class Meta:
        model = ActivityEvent
        fields = [
            "id",
            "verb",
            "summary",
            "actor",
            "target_type",
            "target_id",
            "before",
            "after",
            "created_at",
        ]
        read_only_fields = fields
