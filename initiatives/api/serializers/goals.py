"""Goals, key results and check-ins: output functions, the serializers describing those shapes
(see ``serializers.common``), and the input serializers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from initiatives.api.serializers.common import (
    JSON,
    UsernameField,
    UserRefSerializer,
    iso_date,
    iso_datetime,
    user_ref,
)
from initiatives.goals.models import CheckIn, Direction, Goal, GoalStatus, KRKind, Period
from initiatives.goals.rules import STANDING_ORDER, VALUE_LIMIT
from initiatives.goals.selectors import KRRow
from initiatives.models import Health
from initiatives.rules.limits import TEXT_CHARS, TITLE_CHARS

# The most teams a goal is shared with, and key results an initiative serves, in one request.
MAX_SHARED = 50
MAX_KEY_RESULTS = 100
ID_MAX = 999_999_999_999_999_999


def goal_out(goal: Goal, tz: dt.tzinfo | None = None) -> JSON:
    """A goal with its team, owner, shared teams and key results loaded
    (``selectors.goals_list`` or ``goal_for`` with ``key_result_ids``)."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": goal.pk,
        "team": goal.team.key,
        "title": goal.title,
        "description": goal.description,
        "owner": user_ref(goal.owner),
        "period": goal.period,
        "starts_on": iso_date(goal.starts_on),
        "ends_on": iso_date(goal.ends_on),
        "status": goal.status,
        "shared_with": [t.key for t in goal.shared_with.all()],
        "key_results": [kr.pk for kr in goal.key_results.all()],
        "version": goal.version,
        "created_at": iso_datetime(goal.created_at, tz),
        "updated_at": iso_datetime(goal.updated_at, tz),
    }


class GoalSerializer(serializers.Serializer):
    """Shape of ``goal_out``."""

    id = serializers.IntegerField()
    team = serializers.CharField(help_text="The team's key.")
    title = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
    owner = UserRefSerializer()
    period = serializers.ChoiceField(choices=Period.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.ChoiceField(choices=GoalStatus.choices)
    shared_with = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the teams it is shared with."
    )
    key_results = serializers.ListField(child=serializers.IntegerField())
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _number(**kwargs: object) -> serializers.FloatField:
    return serializers.FloatField(min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT, **kwargs)  # type: ignore[arg-type]


class GoalCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_CHARS)
    description = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_CHARS)
    owner = UsernameField(required=False, help_text="Its owner (default: the caller).")
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(
        required=False, help_text="After `starts_on`; default: the end of the period."
    )
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)
    shared_with = serializers.ListField(
        child=serializers.CharField(max_length=10),
        required=False,
        max_length=MAX_SHARED,
        help_text="Keys of other teams to share it with (their members see it and link "
        "their initiatives to its key results).",
    )


class GoalUpdateSerializer(GoalCreateSerializer):
    title = serializers.CharField(max_length=TITLE_CHARS, required=False)
    starts_on = serializers.DateField(required=False)


def key_result_out(row: KRRow, initiatives: list[str], tz: dt.tzinfo | None = None) -> JSON:
    tz = tz or timezone.get_current_timezone()
    kr = row.key_result
    return {
        "id": kr.pk,
        "goal": kr.goal_id,
        "title": kr.title,
        "owner": user_ref(kr.owner),
        "kind": kr.kind,
        "unit": kr.unit,
        "baseline": kr.baseline,
        "target": kr.target,
        "direction": kr.direction,
        "band_low": kr.band_low,
        "band_high": kr.band_high,
        "latest_value": row.latest_value,
        "latest_week": row.latest_week,
        "progress": row.standing.progress,
        "healthy": row.standing.healthy,
        "standing": row.standing.code,
        "initiatives": initiatives,
        "version": kr.version,
        "created_at": iso_datetime(kr.created_at, tz),
        "updated_at": iso_datetime(kr.updated_at, tz),
    }


class KeyResultSerializer(serializers.Serializer):
    """Shape of ``key_result_out``."""

    id = serializers.IntegerField()
    goal = serializers.IntegerField()
    title = serializers.CharField()
    owner = UserRefSerializer()
    kind = serializers.ChoiceField(choices=KRKind.choices)
    unit = serializers.CharField()
    baseline = serializers.FloatField()
    target = serializers.FloatField(allow_null=True)
    direction = serializers.ChoiceField(choices=Direction.choices)
    band_low = serializers.FloatField(allow_null=True)
    band_high = serializers.FloatField(allow_null=True)
    latest_value = serializers.FloatField(allow_null=True)
    latest_week = serializers.CharField(help_text="ISO week of the latest check-in, or empty.")
    progress = serializers.IntegerField(
        allow_null=True, help_text="Results: percent of the way from baseline to target."
    )
    healthy = serializers.BooleanField(
        allow_null=True, help_text="Monitors: inside the band (or past the threshold)."
    )
    standing = serializers.ChoiceField(choices=list(STANDING_ORDER))
    initiatives = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the contributing initiatives."
    )
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class KeyResultCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_CHARS)
    owner = UsernameField(required=False, help_text="Its owner (default: the caller).")
    kind = serializers.ChoiceField(choices=KRKind.choices, required=False)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=30)
    baseline = _number(required=False)
    target = _number(required=False, allow_null=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    band_low = _number(required=False, allow_null=True)
    band_high = _number(required=False, allow_null=True)


class KeyResultUpdateSerializer(KeyResultCreateSerializer):
    title = serializers.CharField(max_length=TITLE_CHARS, required=False)


def check_in_out(entry: CheckIn, tz: dt.tzinfo | None = None) -> JSON:
    tz = tz or timezone.get_current_timezone()
    return {
        "id": entry.pk,
        "key_result": entry.key_result_id,
        "week": entry.week,
        "value": entry.value,
        "confidence": entry.confidence,
        "confidence_level": entry.confidence_level,
        "note": entry.note,
        "author": user_ref(entry.author),
        "revisions": [
            {
                "value": r.get("value"),
                "confidence": r.get("confidence"),
                "confidence_level": r.get("confidence_level") or "",
                "note": r.get("note") or "",
                "author": r.get("author"),
                "at": r.get("at"),
            }
            for r in entry.revisions or []
        ],
        "created_at": iso_datetime(entry.created_at, tz),
        "updated_at": iso_datetime(entry.updated_at, tz),
    }


class RevisionSerializer(serializers.Serializer):
    value = serializers.FloatField()
    confidence = serializers.IntegerField(allow_null=True)
    confidence_level = serializers.ChoiceField(choices=Health.choices, allow_blank=True)
    note = serializers.CharField()
    author = serializers.IntegerField(help_text="The author's user id.")
    at = serializers.DateTimeField()


class CheckInSerializer(serializers.Serializer):
    """Shape of ``check_in_out``."""

    id = serializers.IntegerField()
    key_result = serializers.IntegerField()
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W49 (the team's week).")
    value = serializers.FloatField()
    confidence = serializers.IntegerField(allow_null=True, help_text="Percent, 0-100.")
    confidence_level = serializers.ChoiceField(choices=Health.choices, allow_blank=True)
    note = serializers.CharField()
    author = UserRefSerializer()
    revisions = RevisionSerializer(many=True, help_text="Earlier versions this week, oldest first.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CheckInCreateSerializer(serializers.Serializer):
    value = _number()
    confidence = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100, help_text="Percent."
    )
    confidence_level = serializers.ChoiceField(
        choices=Health.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_CHARS)


class KeyResultIdsField(serializers.ListField):
    """The ids of the key results an initiative serves (initiatives' ``key_results``)."""

    def __init__(self, **kwargs: object):
        super().__init__(
            child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
            max_length=MAX_KEY_RESULTS,
            **kwargs,  # type: ignore[arg-type]
        )
