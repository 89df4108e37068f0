"""Forms of team policies, priority moves and blocked-by links."""

from __future__ import annotations

from django import forms

from initiatives.policies.models import PAIRING_DEFAULT, PAIRING_MAX, WIP_MAX


class TeamPolicyForm(forms.Form):
    wip_team = forms.IntegerField(
        label="At most this many initiatives in delivery for the team",
        required=False,
        min_value=1,
        max_value=WIP_MAX,
        help_text="Leave empty for no limit.",
    )
    wip_dri = forms.IntegerField(
        label="At most this many in delivery per DRI",
        required=False,
        min_value=1,
        max_value=WIP_MAX,
        help_text="Leave empty for no limit.",
    )
    pairing_required = forms.BooleanField(label="Require pairing to start delivery", required=False)
    pairing_min = forms.IntegerField(
        label="People needed (the DRI plus members)",
        min_value=2,
        max_value=PAIRING_MAX,
        initial=PAIRING_DEFAULT,
    )
    key_result_required = forms.BooleanField(
        label="Require a linked key result to leave scoping",
        required=False,
        help_text="An initiative moves to ready (or resumes into ready or later) only when it "
        "serves at least one key result.",
    )


class RankForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
    within = forms.ChoiceField(choices=[("state", "Column"), ("team", "Team")], required=False)


class DependencyForm(forms.Form):
    blocker = forms.CharField(
        label="Blocked by (initiative key)", max_length=24, help_text="e.g. PLAT-7"
    )
    task = forms.TypedChoiceField(
        label="Only this task", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["task"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "The whole initiative"), *((t.pk, t.title) for t in tasks)]
