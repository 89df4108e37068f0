"""Intake's web forms: the shape of input only (types, lengths, choices); what may be done is
decided by ``initiatives.intake`` services, whose errors ``views.base.attempt`` puts back onto
these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from initiatives.intake.models import Category, Impact
from initiatives.intake.rules import ACTIONS
from initiatives.models import Initiative, Team, Weekday
from initiatives.rules.permissions import CONTRIBUTOR_ROLES
from initiatives.web.forms import DATE, TEXT_ROWS, UserChoiceField

User = get_user_model()


class RequestForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8}), help_text="Markdown."
    )
    category = forms.ChoiceField(choices=Category.choices, initial=Category.QUESTION)
    impact = forms.ChoiceField(choices=Impact.choices, initial=Impact.MEDIUM)
    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One link per line (a ticket, a dashboard, a thread).",
    )

    def clean_links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=TEXT_ROWS, max_length=20_000)


def _contributors(team_id: int) -> Any:
    return User.objects.filter(
        memberships__team_id=team_id, memberships__role__in=CONTRIBUTOR_ROLES, is_active=True
    ).order_by("first_name", "username")


class InitiativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} {obj.title}"


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.name}"


class TriageForm(forms.Form):
    """Every action's inputs in one form; the service says which one an action needs."""

    action = forms.ChoiceField(choices=[(a.name, a.label) for a in ACTIONS.values()])
    into = forms.ChoiceField(
        required=False,
        choices=[
            ("new_initiative", "A new initiative (in discovery)"),
            ("initiative", "An existing initiative"),
            ("task", "A new task of an initiative"),
        ],
    )
    initiative = InitiativeChoiceField(queryset=Initiative.objects.none(), required=False)
    title = forms.CharField(required=False, max_length=200)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, to_field_name="key")
    original = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    until = forms.DateField(required=False, widget=DATE)
    reason = forms.CharField(required=False, widget=TEXT_ROWS, max_length=20_000)
    question = forms.CharField(required=False, widget=TEXT_ROWS, max_length=20_000)

    def __init__(self, *args: Any, team: Team, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["initiative"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Initiative.objects.filter(team=team).exclude(state="cancelled")
        target = self.fields["team"]
        assert isinstance(target, forms.ModelChoiceField)
        target.queryset = Team.objects.filter(pk__in=[t.pk for t in teams if t.pk != team.pk])


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("decline", "Decline"), ("snooze", "Snooze"), ("needs_info", "Needs info")]
    )
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    until = forms.DateField(required=False, widget=DATE)
    reason = forms.CharField(required=False, max_length=20_000)
    question = forms.CharField(required=False, max_length=20_000)

    def __init__(self, *args: Any, ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(str(pk), str(pk)) for pk in ids]


class RotationForm(forms.Form):
    members = forms.CharField(
        required=False,
        help_text="Usernames in rotation order, one per line.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    handover_weekday = forms.TypedChoiceField(coerce=int, choices=Weekday.choices)
    handover_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    triage_weekday = forms.TypedChoiceField(coerce=int, choices=Weekday.choices)
    triage_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    open_to_all = forms.BooleanField(
        required=False, label="Anyone signed in may file requests and see the rota"
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_members(self) -> list[Any]:
        names = [n.strip() for n in self.cleaned_data["members"].split() if n.strip()]
        found = {u.username: u for u in _contributors(self.team.pk).filter(username__in=names)}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise forms.ValidationError(
                f"Not a contributor of {self.team.key}: {', '.join(unknown[:5])}."
            )
        return [found[n] for n in names]


class OverrideForm(forms.Form):
    user = UserChoiceField(queryset=User.objects.none(), label="Who covers")
    starts_at = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _contributors(team.pk)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, initial="Alertmanager")
