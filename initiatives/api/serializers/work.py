"""Milestones, tasks, weekly status updates and the activity log: their output functions,
the serializers that describe those shapes, and the input serializers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from initiatives.api.serializers.common import (
    JSON,
    MilestoneIdField,
    UsernameField,
    UserRefSerializer,
    iso_date,
    iso_datetime,
    user_ref,
)
from initiatives.api.validation import WEEK
from initiatives.models import (
    ActivityEvent,
    Health,
    Milestone,
    MilestoneSlip,
    MilestoneState,
    StatusUpdate,
    Task,
    TaskState,
)
from initiatives.rules.dates import DATE_CHANGE_KINDS, change_kind, date_moves
from initiatives.rules.limits import TEXT_CHARS

# --- Milestones --------------------------------------------------------------------------------


def milestone_out(
    milestone: Milestone,
    *,
    initiative_key: str,
    tasks_total: int,
    tasks_closed: int,
    slips: list[MilestoneSlip],
    tz: dt.tzinfo | None = None,
) -> JSON:
    """A milestone with its task counts and its date changes (oldest first, each a slip, a
    pull-in or planning: ``rules.dates``), as its caller loaded them."""
    tz = tz or timezone.get_current_timezone()
    started = milestone.started_at
    moves = date_moves(slips, started)
    return {
        "id": milestone.pk,
        "initiative": initiative_key,
        "title": milestone.title,
        "scope": milestone.scope,
        "due_date": iso_date(milestone.due_date),
        "original_due_date": iso_date(milestone.original_due_date),
        "state": milestone.state,
        "position": milestone.position,
        "tasks_total": tasks_total,
        "tasks_closed": tasks_closed,
        "slips": [
            {
                "old_date": iso_date(slip.old_date),
                "new_date": iso_date(slip.new_date),
                "reason": slip.reason,
                "created_at": iso_datetime(slip.created_at, tz),
                "kind": change_kind(
                    old=slip.old_date,
                    new=slip.new_date,
                    changed_at=slip.created_at,
                    started_at=started,
                ),
            }
            for slip in slips
        ],
        "slip_count": moves.slips,
        "slip_days": moves.slip_days,
        "pull_in_count": moves.pull_ins,
        "pull_in_days": moves.pull_in_days,
        "net_days": moves.net_days,
        "version": milestone.version,
        "started_at": iso_datetime(milestone.started_at, tz),
        "completed_at": iso_datetime(milestone.completed_at, tz),
        "created_at": iso_datetime(milestone.created_at, tz),
        "updated_at": iso_datetime(milestone.updated_at, tz),
    }


class SlipSerializer(serializers.Serializer):
    old_date = serializers.DateField()
    new_date = serializers.DateField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(
        choices=DATE_CHANGE_KINDS,
        help_text="After the milestone started: `slip` (later) or `pull_in` (earlier); "
        "before it started: `planning`, counted as neither.",
    )


class MilestoneSerializer(serializers.Serializer):
    """Shape of ``milestone_out``."""

    id = serializers.IntegerField()
    initiative = serializers.CharField(help_text="The initiative's key.")
    title = serializers.CharField()
    scope = serializers.CharField()
    due_date = serializers.DateField()
    original_due_date = serializers.DateField()
    state = serializers.ChoiceField(choices=MilestoneState.choices)
    position = serializers.IntegerField()
    tasks_total = serializers.IntegerField()
    tasks_closed = serializers.IntegerField()
    slips = SlipSerializer(many=True, help_text="Every change of the delivery date.")
    slip_count = serializers.IntegerField(help_text="Changes to a later date once started.")
    slip_days = serializers.IntegerField()
    pull_in_count = serializers.IntegerField(help_text="Changes to an earlier date once started.")
    pull_in_days = serializers.IntegerField()
    net_days = serializers.IntegerField(help_text="Net drift: slip_days - pull_in_days.")
    version = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MilestoneCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()
    scope = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_CHARS
    )
    position = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10000)
    backfill = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Importing history: allows a `due_date` in the past (engineering managers "
        "only; anyone else gets 403).",
    )


class MilestoneUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    due_date = serializers.DateField(required=False)
    scope = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_CHARS)
    position = serializers.IntegerField(required=False, min_value=0, max_value=10000)
    slip_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Required when moving due_date of a started milestone.",
    )
    backfill = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Importing history: allows a `due_date` in the past (engineering managers only).",
    )


class MilestoneTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=MilestoneState.choices)


# --- Tasks -------------------------------------------------------------------------------------


def task_out(task: Task, *, initiative_key: str, tz: dt.tzinfo | None = None) -> JSON:
    """A task; its assignee must be loaded (``select_related`` or the service's own)."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": task.pk,
        "initiative": initiative_key,
        "title": task.title,
        "state": task.state,
        "milestone": task.milestone_id,
        "assignee": user_ref(task.assignee),
        "external_url": task.external_url,
        "scope_change": task.scope_change,
        "version": task.version,
        "closed_at": iso_datetime(task.closed_at, tz),
        "created_at": iso_datetime(task.created_at, tz),
        "updated_at": iso_datetime(task.updated_at, tz),
    }


class TaskSerializer(serializers.Serializer):
    """Shape of ``task_out``."""

    id = serializers.IntegerField()
    initiative = serializers.CharField(help_text="The initiative's key.")
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=TaskState.choices)
    milestone = serializers.IntegerField(allow_null=True, help_text="The milestone's id.")
    assignee = UserRefSerializer(allow_null=True)
    external_url = serializers.CharField(help_text="A URL, or empty.")
    scope_change = serializers.BooleanField()
    version = serializers.IntegerField()
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


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


# --- Weekly updates ----------------------------------------------------------------------------


def status_update_out(
    update: StatusUpdate, *, initiative_key: str, tz: dt.tzinfo | None = None
) -> JSON:
    """A weekly update; its author must be loaded."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": update.pk,
        "initiative": initiative_key,
        "week": update.week,
        "health": update.health,
        "milestone": update.milestone_id,
        "progress": update.progress,
        "risks": update.risks,
        "next_week": update.next_week,
        "author": user_ref(update.author),
        "revision": update.revision,
        "created_at": iso_datetime(update.created_at, tz),
        "updated_at": iso_datetime(update.updated_at, tz),
    }


class StatusUpdateSerializer(serializers.Serializer):
    """Shape of ``status_update_out``."""

    id = serializers.IntegerField()
    initiative = serializers.CharField(help_text="The initiative's key.")
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W47.")
    health = serializers.ChoiceField(choices=Health.choices)
    milestone = serializers.IntegerField(allow_null=True, help_text="The milestone's id.")
    progress = serializers.CharField()
    risks = serializers.CharField()
    next_week = serializers.CharField()
    author = UserRefSerializer(allow_null=True)
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StatusUpdateCreateSerializer(serializers.Serializer):
    health = serializers.ChoiceField(choices=Health.choices)
    progress = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_CHARS
    )
    risks = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_CHARS
    )
    next_week = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_CHARS
    )
    milestone = MilestoneIdField(required=False, allow_null=True, default=None)
    week = serializers.RegexField(
        WEEK,
        required=False,
        allow_null=True,
        default=None,
        help_text="ISO week (e.g. 2026-W47); this week when omitted, last week allowed.",
    )


# --- Activity ----------------------------------------------------------------------------------


def activity_out(event: ActivityEvent, tz: dt.tzinfo | None = None) -> JSON:
    """An audit event; its actor must be loaded. ``before`` and ``after`` are stored JSON."""
    return {
        "id": event.pk,
        "verb": event.verb,
        "summary": event.summary,
        "actor": user_ref(event.actor),
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
        "created_at": iso_datetime(event.created_at, tz),
    }


class ActivitySerializer(serializers.Serializer):
    """Shape of ``activity_out``."""

    id = serializers.IntegerField()
    verb = serializers.CharField(help_text="e.g. initiative.transitioned")
    summary = serializers.CharField()
    actor = UserRefSerializer(allow_null=True)
    target_type = serializers.CharField()
    target_id = serializers.IntegerField(allow_null=True)
    before = serializers.DictField()
    after = serializers.DictField()
    created_at = serializers.DateTimeField()
