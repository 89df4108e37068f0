"""Goals' web forms: the shape of input only (types, lengths, choices); what may be done is
decided by ``initiatives.goals.services``, whose errors ``views.base.attempt`` puts back onto
these fields."""

from __future__ import annotations

from typing import Any

from django import forms

from initiatives.goals.models import Direction, Goal, GoalStatus, KeyResult, KRKind, Period
from initiatives.models import Health, Team
from initiatives.web.forms import DATE, UserChoiceField, team_users


class TeamsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.name}"


class GoalForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text="Markdown."
    )
    owner = UserChoiceField(queryset=None, required=False, help_text="You, if left empty.")
    period = forms.ChoiceField(choices=Period.choices, initial=Period.QUARTER)
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    ends_on = forms.DateField(
        widget=DATE, required=False, label="Ends on", help_text="Empty: the end of the period."
    )
    status = forms.ChoiceField(choices=GoalStatus.choices, initial=GoalStatus.ON_TRACK)
    shared_with = TeamsChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Their members see this goal and can link their initiatives to its key results.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_users(team, contributors_only=True)  # type: ignore[attr-defined]
        self.fields["shared_with"].queryset = Team.objects.exclude(pk=team.pk).order_by("key")  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(goal: Goal) -> dict[str, Any]:
        return {
            "title": goal.title,
            "description": goal.description,
            "owner": goal.owner_id,
            "period": goal.period,
            "starts_on": goal.starts_on,
            "ends_on": goal.ends_on,
            "status": goal.status,
            "shared_with": [t.pk for t in goal.shared_with.all()],
        }


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = UserChoiceField(queryset=None, required=False, help_text="You, if left empty.")
    kind = forms.ChoiceField(
        choices=KRKind.choices,
        initial=KRKind.RESULT,
        help_text="A result is a number to move; a monitor a number to keep healthy.",
    )
    unit = forms.CharField(max_length=30, required=False, help_text="e.g. %, min, installs.")
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INCREASE)
    baseline = forms.FloatField(initial=0, required=False, help_text="Where it starts.")
    target = forms.FloatField(
        required=False, help_text="A result's goal; a monitor's threshold (not with a band)."
    )
    band_low = forms.FloatField(required=False, label="Band low", help_text="Monitors only.")
    band_high = forms.FloatField(required=False, label="Band high")

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_users(team, contributors_only=True)  # type: ignore[attr-defined]

    def clean_baseline(self) -> float:
        return self.cleaned_data["baseline"] or 0.0

    @staticmethod
    def initial_for(kr: KeyResult) -> dict[str, Any]:
        return {
            name: getattr(kr, name)
            for name in (
                "title",
                "kind",
                "unit",
                "direction",
                "baseline",
                "target",
                "band_low",
                "band_high",
            )
        } | {"owner": kr.owner_id}


class CheckInForm(forms.Form):
    value = forms.FloatField()
    confidence = forms.IntegerField(
        required=False, min_value=0, max_value=100, label="Confidence (%)"
    )
    confidence_level = forms.ChoiceField(
        choices=[("", "—"), *Health.choices], required=False, label="Or say"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LinkForm(forms.Form):
    initiative = forms.CharField(max_length=30, label="Initiative (key)")
