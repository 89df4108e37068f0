"""Web forms. They check the *shape* of input (types, lengths, choices) so that it can be
redisplayed with errors beside each field; every rule about what may change lives in
``initiatives.services``, whose ValidationFailed errors ``views.base.attempt`` puts back onto
these forms under the same field names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from initiatives.models import (
    ChecklistItem,
    Evidence,
    Health,
    Initiative,
    Milestone,
    SecurityRisk,
    State,
    TaskState,
    Team,
)
from initiatives.rules.permissions import CONTRIBUTOR_ROLES
from initiatives.selectors.initiatives import OPEN_MILESTONE_STATES
from initiatives.services.milestones import STARTED_STATES

User = get_user_model()

DATE = forms.DateInput(attrs={"type": "date"})
TEXT_ROWS = forms.Textarea(attrs={"rows": 4})


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


def team_users(team: Team, *, contributors_only: bool = False) -> QuerySet[Any]:
    """The team's people; ``contributors_only``: those who may own work
    (``rules.permissions.is_contributor``)."""
    # One filter() call: both conditions apply to the same membership row.
    conditions: dict[str, Any] = {"memberships__team": team}
    if contributors_only:
        conditions["memberships__role__in"] = sorted(CONTRIBUTOR_ROLES)
    return User.objects.filter(**conditions).order_by("username")


def choose_from(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """Offer ``queryset`` in the model choice field ``name`` (declared with ``none()``: the
    choices depend on the team or initiative the form is for)."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name!r} is not a model choice field")
    field.queryset = queryset


class InitiativeForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(required=False, widget=TEXT_ROWS, help_text="Markdown.")
    dri = UserChoiceField(queryset=User.objects.none(), label="DRI")
    design_doc_url = forms.URLField(
        required=False, max_length=500, label="Design doc / RFC link", assume_scheme="https"
    )
    target_date = forms.DateField(required=False, widget=DATE)
    security_risk = forms.ChoiceField(
        required=False,
        choices=[("", "Not assessed yet"), *SecurityRisk.choices],
        label="Security risk level",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for the change",
        help_text="Needed to lower a security risk level that security has signed off.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choose_from(self, "dri", team_users(team, contributors_only=True))

    @classmethod
    def initial_for(cls, initiative: Initiative) -> dict[str, Any]:
        return {
            "title": initiative.title,
            "summary": initiative.summary,
            "dri": initiative.dri_id,
            "design_doc_url": initiative.design_doc_url,
            "target_date": initiative.target_date,
            "security_risk": initiative.security_risk,
        }


class InitiativeCreateForm(InitiativeForm):
    reason = None  # type: ignore[assignment]  # nothing to justify on creation
    members = UsersChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    stakeholders = UsersChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, team=team, **kwargs)
        choose_from(self, "members", team_users(team))
        choose_from(self, "stakeholders", team_users(team))


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=State.choices)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override = forms.BooleanField(required=False)


class PersonForm(forms.Form):
    user = UserChoiceField(queryset=User.objects.none())
    kind = forms.ChoiceField(choices=[("member", "Member"), ("stakeholder", "Stakeholder")])

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choose_from(self, "user", team_users(team))


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    scope = forms.CharField(required=False, widget=TEXT_ROWS, help_text="The fixed scope.")
    due_date = forms.DateField(widget=DATE, label="Delivery date")
    slip_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why does the date move?",
        help_text="Required when a started milestone's date changes.",
    )

    def __init__(self, *args: Any, milestone: Milestone | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # A slip reason is asked only of a started milestone; whether one is required when the
        # date really changes is the service's call (milestone_update).
        if milestone is None or milestone.state not in STARTED_STATES:
            del self.fields["slip_reason"]

    @classmethod
    def initial_for(cls, milestone: Milestone) -> dict[str, Any]:
        return {"title": milestone.title, "scope": milestone.scope, "due_date": milestone.due_date}


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(), required=False, empty_label="No milestone (scoping)"
    )
    assignee = UserChoiceField(queryset=User.objects.none(), required=False)
    state = forms.ChoiceField(choices=TaskState.choices, initial=TaskState.TODO)
    external_url = forms.URLField(
        required=False, max_length=500, label="Issue link", assume_scheme="https"
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choose_from(
            self, "milestone", initiative.milestones.filter(state__in=OPEN_MILESTONE_STATES)
        )
        choose_from(self, "assignee", team_users(initiative.team, contributors_only=True))


class TaskMoveForm(forms.Form):
    """The quick change on the initiative page: state and assignee."""

    state = forms.ChoiceField(choices=TaskState.choices)
    assignee = forms.IntegerField(required=False)


class StatusUpdateForm(forms.Form):
    health = forms.ChoiceField(choices=Health.choices, widget=forms.RadioSelect)
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(), required=False, label="Current milestone"
    )
    progress = forms.CharField(
        required=False, widget=TEXT_ROWS, label="Significant progress", help_text="Markdown."
    )
    risks = forms.CharField(
        required=False,
        widget=TEXT_ROWS,
        label="Risks, delays, blockers",
        help_text="Required unless on track. Markdown.",
    )
    next_week = forms.CharField(
        required=False, widget=TEXT_ROWS, label="Plan for next week", help_text="Markdown."
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choose_from(
            self, "milestone", initiative.milestones.filter(state__in=OPEN_MILESTONE_STATES)
        )


class TickForm(forms.Form):
    evidence = forms.CharField(required=False, max_length=2000)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, item: ChecklistItem | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if item is not None and item.evidence == Evidence.URL:
            self.fields["evidence"].widget = forms.URLInput()


class WaiveForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    note = forms.CharField(required=False)
