"""Query filters of the list endpoints (django-filter)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from initiatives.api.validation import WEEK, parse_date_time
from initiatives.models import (
    ActivityEvent,
    Health,
    Initiative,
    State,
    StatusUpdate,
    Task,
    TaskState,
)

WEEK_VALIDATOR = RegexValidator(WEEK, "A week is written like 2026-W47.")
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An integer id within the database's range (larger numbers are refused, not sent)."""

    field_class = forms.IntegerField  # type: ignore[assignment]  # ids are integers, not decimals

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class DateTimeField(forms.Field):
    """An RFC 3339 date-time, read as the API's schema checks it (``api.validation``): any
    case, a leap second as the second before it."""

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        parsed = parse_date_time(str(value))
        if parsed is None:
            raise forms.ValidationError("Enter a date and time like 2026-12-01T09:30:00Z.")
        return parsed


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeFilter(filters.Filter):
    field_class = DateTimeField


@extend_schema_field({"type": "string", "pattern": WEEK})
class WeekFilter(filters.CharFilter):
    """An ISO week; the schema says its form (``api.validation`` refuses any other)."""


class InitiativeFilter(filters.FilterSet):
    team = filters.CharFilter(field_name="team__key", lookup_expr="iexact", help_text="Team key")
    state = filters.MultipleChoiceFilter(choices=State.choices)
    health = filters.MultipleChoiceFilter(choices=Health.choices)
    dri = filters.CharFilter(method="filter_dri", help_text="Username of the DRI, or `me`.")
    q = filters.CharFilter(method="filter_q", help_text="Search in key, title and summary.")
    updated_after = DateTimeFilter(method="filter_updated_after")
    ordering = filters.OrderingFilter(
        fields=(
            ("updated_at", "updated_at"),
            ("created_at", "created_at"),
            ("target_date", "target_date"),
            ("title", "title"),
            ("state", "state"),
            ("health", "health"),
            ("number", "number"),
            ("rank", "rank"),
        )
    )

    class Meta:
        model = Initiative
        fields: list[str] = []

    def filter_dri(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "me" and self.request is not None:
            return queryset.filter(dri=self.request.user)
        return queryset.filter(dri__username=value)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        team_key, _, number = value.upper().rpartition("-")
        match = Q(title__icontains=value) | Q(summary__icontains=value)
        if team_key and number.isascii() and number.isdigit() and len(number) < 10:
            match |= Q(team__key=team_key, number=int(number))
        return queryset.filter(match)

    def filter_updated_after(self, queryset: QuerySet, name: str, value: dt.datetime) -> QuerySet:
        try:
            value = value.astimezone(dt.UTC)
        except OverflowError:  # within a day of year 1 or of year 9999 once in UTC
            return queryset if value.year == 1 else queryset.none()
        return queryset.filter(updated_at__gt=value)


class TaskFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=TaskState.choices)
    milestone = IdFilter(field_name="milestone_id")
    assignee = filters.CharFilter(field_name="assignee__username", help_text="Username")

    class Meta:
        model = Task
        fields: list[str] = []


class UpdateFilter(filters.FilterSet):
    team = filters.CharFilter(
        field_name="initiative__team__key", lookup_expr="iexact", help_text="Team key"
    )
    week = WeekFilter(validators=[WEEK_VALIDATOR], help_text="ISO week, e.g. 2026-W47")
    health = filters.MultipleChoiceFilter(choices=Health.choices)

    class Meta:
        model = StatusUpdate
        fields: list[str] = []


class ActivityFilter(filters.FilterSet):
    verb = filters.CharFilter(help_text="e.g. initiative.transitioned")

    class Meta:
        model = ActivityEvent
        fields: list[str] = []
