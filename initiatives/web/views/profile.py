"""Your profile: the time zone your pages show times in. Also the keyboard shortcuts' "go to
the board" and "new initiative" targets, which pick the team of the page or your only one."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from initiatives.selectors.pages import teams_of
from initiatives.selectors.profile import own_time_zone, team_time_zone
from initiatives.services.profile import profile_set_time_zone
from initiatives.web.timezones import remember_time_zone
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt


def _zones() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Dates and times on every page are shown in it.",
    )

    def __init__(self, *args, team_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", f"Your team's ({team_zone})"), *_zones()]


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    team_zone = team_time_zone(request.user)
    initial = {"time_zone": own_time_zone(request.user)}
    form = TimeZoneForm(request.POST or None, initial=initial, team_zone=team_zone)
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request,
            profile_set_time_zone,
            form=form,
            actor=request.user,
            time_zone=form.cleaned_data["time_zone"],
        )
        if outcome.ok:
            zone = remember_time_zone(request, request.user)
            messages.success(request, f"Times are now shown in {zone}.")
            return redirect("profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@login_required
def go(request: AuthenticatedHttpRequest, where: str) -> HttpResponse:
    """``/go/board/`` and ``/go/new/``: the board or the new-initiative form of the team named
    by ``?team=`` (the page the shortcut was pressed on), else of your only team; with several
    teams and none named, the list of teams."""
    keys = [m.team.key for m in teams_of(request.user)]
    wanted = request.GET.get("team", "").upper()
    key = wanted if wanted in keys else (keys[0] if len(keys) == 1 else "")
    if not key:
        return redirect("team-list")
    name = "team-detail" if where == "board" else "initiative-create"
    return redirect(reverse(name, args=[key]))
