"""Query filters of the list endpoints (django-filter)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError

from initiatives.models import (
    ActivityEvent,
    Health,
    Initiative,
    State,
    StatusUpdate,
    Task,
    TaskState,
)

WEEK_VALIDATOR = RegexValidator(r"^[0-9]{4}-W[0-9]{2}$", "A week is written like 2026-W47.")
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """An integer id within the database's range (larger numbers are refused, not sent)."""

    field_class = forms.IntegerField  # type: ignore[assignment]  # ids are integers, not decimals

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class InitiativeFilter(filters.FilterSet):
    team = filters.CharFilter(field_name="team__key", lookup_expr="iexact", help_text="Team key")
    state = filters.MultipleChoiceFilter(choices=State.choices)
    health = filters.MultipleChoiceFilter(choices=Health.choices)
    dri = filters.CharFilter(method="filter_dri", help_text="Username of the DRI, or `me`.")
    q = filters.CharFilter(method="filter_q", help_text="Search in key, title and summary.")
    updated_after = filters.IsoDateTimeFilter(method="filter_updated_after")
    ordering = filters.OrderingFilter(
        fields=(
            ("updated_at", "updated_at"),
            ("created_at", "created_at"),
            ("target_date", "target_date"),
            ("title", "title"),
            ("state", "state"),
            ("health", "health"),
            ("number", "number"),
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
        except OverflowError:
            raise ValidationError({"updated_after": ["Date out of range."]}) from None
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
    week = filters.CharFilter(validators=[WEEK_VALIDATOR], help_text="ISO week, e.g. 2026-W47")
    health = filters.MultipleChoiceFilter(choices=Health.choices)

    class Meta:
        model = StatusUpdate
        fields: list[str] = []


class ActivityFilter(filters.FilterSet):
    verb = filters.CharFilter(help_text="e.g. initiative.transitioned")

    class Meta:
        model = ActivityEvent
        fields: list[str] = []
