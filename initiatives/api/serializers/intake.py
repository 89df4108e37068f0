"""Intake: requests, the rotation and who is on call. Output functions, the serializers
describing those shapes (see ``serializers.common``), and the input serializers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import URLValidator
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
from initiatives.intake.models import Category, Impact, IntakeRequest, RequestState
from initiatives.intake.rules import ACCEPT_INTO, ACTION_NAMES, ALERT_OUTCOMES, MAX_LINKS
from initiatives.intake.selectors import Rota
from initiatives.models import Weekday


def request_out(r: IntakeRequest, tz: dt.tzinfo | None = None) -> JSON:
    """A request with its team, people, initiative and routing loaded
    (``selectors.with_rows`` or ``request_for``)."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": r.pk,
        "team": r.team.key,
        "title": r.title,
        "description": r.description,
        "category": r.category,
        "impact": r.impact,
        "state": r.state,
        "requester": user_ref(r.requester),
        "source": r.source,
        "links": list(r.links or []),
        "assignee": user_ref(r.assignee),
        "needs_info": r.needs_info,
        "question": r.question,
        "snoozed_until": iso_datetime(r.snoozed_until, tz),
        "resolution_note": r.resolution_note,
        "duplicate_of": r.duplicate_of_id,
        "routed_to": None
        if r.routed_to is None
        else {"id": r.routed_to.pk, "team": r.routed_to.team.key},
        "initiative": None if r.initiative is None else r.initiative.key,
        "task": r.task_id,
        "fingerprint": r.fingerprint,
        "alert_count": r.alert_count,
        "last_seen_at": iso_datetime(r.last_seen_at, tz),
        "version": r.version,
        "created_at": iso_datetime(r.created_at, tz),
        "first_response_at": iso_datetime(r.first_response_at, tz),
        "triaged_at": iso_datetime(r.triaged_at, tz),
        "closed_at": iso_datetime(r.closed_at, tz),
        "updated_at": iso_datetime(r.updated_at, tz),
    }


class RoutedToSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.CharField()


class RequestSerializer(serializers.Serializer):
    """Shape of ``request_out``."""

    id = serializers.IntegerField()
    team = serializers.CharField(help_text="The team's key.")
    title = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
    category = serializers.ChoiceField(choices=Category.choices)
    impact = serializers.ChoiceField(choices=Impact.choices)
    state = serializers.ChoiceField(choices=RequestState.choices)
    requester = UserRefSerializer(allow_null=True, help_text="None for an alert.")
    source = serializers.CharField(help_text="The alert source, for alerts.")  # type: ignore[assignment]  # a wire name that shadows a DRF attribute
    links = serializers.ListField(child=serializers.CharField())
    assignee = UserRefSerializer(allow_null=True)
    needs_info = serializers.BooleanField()
    question = serializers.CharField()
    snoozed_until = serializers.DateTimeField(allow_null=True)
    resolution_note = serializers.CharField(help_text="Why declined, the routing note, ...")
    duplicate_of = serializers.IntegerField(allow_null=True)
    routed_to = RoutedToSerializer(allow_null=True)
    initiative = serializers.CharField(allow_null=True, help_text="Accepted into (its key).")
    task = serializers.IntegerField(allow_null=True)
    fingerprint = serializers.CharField()
    alert_count = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    first_response_at = serializers.DateTimeField(allow_null=True)
    triaged_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class LinkField(serializers.URLField):
    """An http(s) link of at most 500 characters (what ``intake.services`` keeps)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=500, **kwargs)
        self.validators.append(URLValidator(schemes=["http", "https"]))


class RequestCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    category = serializers.ChoiceField(choices=Category.choices, default=Category.QUESTION)
    impact = serializers.ChoiceField(choices=Impact.choices, default=Impact.MEDIUM)
    links = serializers.ListField(child=LinkField(), required=False, max_length=MAX_LINKS)


class RequestUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    links = serializers.ListField(child=LinkField(), required=False, max_length=MAX_LINKS)
    assignee = UsernameField(required=False, allow_null=True)


class TriageSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(ACTION_NAMES))
    into = serializers.ChoiceField(
        choices=list(ACCEPT_INTO),
        required=False,
        help_text="`accept`: a new initiative (in discovery), an existing one, or a new task.",
    )
    initiative = serializers.CharField(
        required=False, max_length=30, help_text="`accept` into `initiative` or `task`: its key."
    )
    title = serializers.CharField(
        required=False, max_length=200, help_text="`accept`: the new initiative's or task's."
    )
    dri = UsernameField(required=False, help_text="`accept` into `new_initiative`: its DRI.")
    team = serializers.CharField(required=False, max_length=10, help_text="`route`: to whom.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20_000,
        help_text="`decline`: why (required); `route`: the note (required).",
    )
    original = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="`duplicate`: of which."
    )
    until = serializers.DateTimeField(required=False, help_text="`snooze`: until when.")
    question = serializers.CharField(
        required=False, max_length=20_000, help_text="`needs_info`: for the requester."
    )


def rotation_out(rota: Rota, tz: dt.tzinfo | None = None) -> JSON:
    tz = tz or timezone.get_current_timezone()
    s = rota.settings
    return {
        "team": rota.team.key,
        "members": [user_ref(m.user) for m in rota.members],
        "handover_weekday": s.handover_weekday,
        "handover_time": s.handover_time.isoformat(timespec="minutes"),
        "starts_on": iso_date(s.rotation_start),
        "triage_weekday": s.triage_weekday,
        "triage_time": s.triage_time.isoformat(timespec="minutes"),
        "time_zone": rota.team.time_zone,
        "open_to_all": s.open_to_all,
        "overrides": [
            {
                "id": o.pk,
                "user": user_ref(o.user),
                "starts_at": iso_datetime(o.starts_at, tz),
                "ends_at": iso_datetime(o.ends_at, tz),
                "reason": o.reason,
            }
            for o in rota.overrides
        ],
    }


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = UserRefSerializer()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField()


class RotationSerializer(serializers.Serializer):
    """Shape of ``rotation_out``."""

    team = serializers.CharField()
    members = UserRefSerializer(many=True, help_text="In rotation order.")
    handover_weekday = serializers.ChoiceField(choices=Weekday.choices)
    handover_time = serializers.CharField(help_text="HH:MM, the team's time zone.")
    starts_on = serializers.DateField(
        allow_null=True, help_text="The Monday of the week the first member was on call."
    )
    triage_weekday = serializers.ChoiceField(choices=Weekday.choices)
    triage_time = serializers.CharField(help_text="HH:MM, the team's time zone.")
    time_zone = serializers.CharField()
    open_to_all = serializers.BooleanField()
    overrides = OverrideSerializer(many=True, help_text="Those not over yet.")


class RotationInputSerializer(serializers.Serializer):
    members = serializers.ListField(
        child=serializers.CharField(max_length=150), max_length=100, help_text="Usernames."
    )
    handover_weekday = serializers.ChoiceField(choices=Weekday.choices, required=False)
    handover_time = serializers.TimeField(required=False)
    starts_on = serializers.DateField(required=False)
    triage_weekday = serializers.ChoiceField(choices=Weekday.choices, required=False)
    triage_time = serializers.TimeField(required=False)
    open_to_all = serializers.BooleanField(required=False)


def on_call_out(rota: Rota, tz: dt.tzinfo | None = None) -> JSON:
    tz = tz or timezone.get_current_timezone()
    current = rota.current
    return {
        "team": rota.team.key,
        "on_call": user_ref(rota.on_call),
        "overridden": current.overridden,
        "shift_starts": iso_datetime(current.shift_starts, tz),
        "shift_ends": iso_datetime(current.shift_ends, tz),
        "next_triage": iso_datetime(rota.next_slot, tz),
        "upcoming": [
            {
                "user": user_ref(person),
                "starts": iso_datetime(shift.shift_starts, tz),
                "ends": iso_datetime(shift.shift_ends, tz),
                "overridden": shift.overridden,
            }
            for shift, person in rota.upcoming(6)[1:]
        ],
    }


class ShiftSerializer(serializers.Serializer):
    user = UserRefSerializer(allow_null=True)
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    overridden = serializers.BooleanField()


class OnCallSerializer(serializers.Serializer):
    """Shape of ``on_call_out``."""

    team = serializers.CharField()
    on_call = UserRefSerializer(allow_null=True)
    overridden = serializers.BooleanField(help_text="Covering for the rotation (an override).")
    shift_starts = serializers.DateTimeField()
    shift_ends = serializers.DateTimeField()
    next_triage = serializers.DateTimeField()
    upcoming = ShiftSerializer(many=True, help_text="The next five shifts.")


class AlertOutcomeSerializer(serializers.Serializer):
    fingerprint = serializers.CharField()
    outcome = serializers.ChoiceField(choices=list(ALERT_OUTCOMES))
    request = serializers.IntegerField(allow_null=True)


class AlertsAcceptedSerializer(serializers.Serializer):
    results = AlertOutcomeSerializer(many=True)


class GenericAlertSerializer(serializers.Serializer):
    """The generic alert shape (Alertmanager's webhook JSON is accepted as it is sent)."""

    title = serializers.CharField(max_length=200)
    fingerprint = serializers.CharField(max_length=200)
    severity = serializers.CharField(
        required=False, allow_blank=True, help_text="critical, high, warning, info…"
    )
    source = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]  # a wire name that shadows a DRF attribute (the metaclass moves it)
    url = serializers.URLField(required=False)
    status = serializers.ChoiceField(choices=["firing", "resolved"], required=False)
    description = serializers.CharField(required=False, allow_blank=True)
