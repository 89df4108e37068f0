"""Intake settings on the web: the team's rota ("who is on call for PLAT this week", visible to
everyone who may ask the team), the rotation and its overrides (managers; anyone may cover a
shift themselves), and the intake tokens of alert sources (managers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from initiatives.intake import alerts, rotation, rules
from initiatives.intake import selectors as reads
from initiatives.intake.models import IntakeToken, OnCallOverride
from initiatives.models import Team
from initiatives.rules import permissions as perms
from initiatives.web.intake_forms import OverrideForm, RotationForm, TokenForm
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt, require_offered
from initiatives.web.views.intake import askable, member_team


def _rotation_form(team: Team, rota: reads.Rota, data=None) -> RotationForm:
    settings = rota.settings
    initial = {
        "members": "\n".join(m.user.username for m in rota.members),
        "handover_weekday": settings.handover_weekday,
        "handover_time": settings.handover_time,
        "triage_weekday": settings.triage_weekday,
        "triage_time": settings.triage_time,
        "open_to_all": settings.open_to_all,
    }
    return RotationForm(data, team=team, initial=initial)


def _rota_page(
    request: AuthenticatedHttpRequest,
    team: Team,
    *,
    rotation_form: RotationForm | None = None,
    override_form: OverrideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rota = reads.rota(team)
    actor = perms.actor_for(request.user, team)
    can_manage = rules.can_manage_intake(actor)
    context = {
        "team": team,
        "rota": rota,
        "shifts": rota.upcoming(6),
        "is_member": actor.is_member,
        "can_manage": can_manage,
        "can_cover": actor.is_contributor,
        "rotation_form": rotation_form or (_rotation_form(team, rota) if can_manage else None),
        "override_form": override_form
        or (OverrideForm(team=team) if actor.is_contributor else None),
    }
    return render(request, "intake/rota.html", context, status=status)


@login_required
def rota_page(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team, _ = askable(request, key)
    return _rota_page(request, team)


@login_required
@require_POST
def rotation_edit(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = member_team(request, key)
    require_offered(rules.can_manage_intake(perms.actor_for(request.user, team)))
    form = _rotation_form(team, reads.rota(team), request.POST)
    if form.is_valid():
        outcome = attempt(
            request, rotation.rotation_set, form=form, team=team, actor=request.user,
            **form.cleaned_data,
        )  # fmt: skip
        if outcome.ok:
            messages.success(request, "Saved the rotation and the triage slot.")
            return redirect("intake-rota", key=team.key)
    return _rota_page(request, team, rotation_form=form, status=400)


@login_required
@require_POST
def override_add(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = member_team(request, key)
    require_offered(perms.actor_for(request.user, team).is_contributor)
    form = OverrideForm(request.POST, team=team)
    with timezone.override(team.tz):  # the times are the team's wall-clock times
        valid = form.is_valid()
    if valid:
        outcome = attempt(
            request, rotation.override_add, form=form, team=team, actor=request.user,
            **form.cleaned_data,
        )  # fmt: skip
        if outcome.ok:
            messages.success(request, "Saved the override.")
            return redirect("intake-rota", key=team.key)
    return _rota_page(request, team, override_form=form, status=400)


@login_required
@require_POST
def override_remove(request: AuthenticatedHttpRequest, key: str, pk: int) -> HttpResponse:
    team = member_team(request, key)
    override = OnCallOverride.objects.filter(team=team, pk=pk).first()
    if override is None:
        raise Http404("No such override.")
    outcome = attempt(request, rotation.override_remove, override=override, actor=request.user)
    if outcome.ok:
        messages.success(request, "Removed the override.")
    return redirect("intake-rota", key=team.key)


# --- Intake tokens ---------------------------------------------------------------------------


@login_required
def tokens_page(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = member_team(request, key)
    require_offered(rules.can_manage_intake(perms.actor_for(request.user, team)))
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = attempt(
                request, alerts.intake_token_create, form=form, team=team, actor=request.user,
                name=form.cleaned_data["name"],
            )  # fmt: skip
            if outcome.ok:
                created, status = outcome.value[1], 201
                form = TokenForm()
            else:
                status = outcome.status
    tokens = IntakeToken.objects.filter(team=team).order_by("-created_at", "-pk")[:50]
    return render(
        request,
        "intake/tokens.html",
        {"team": team, "form": form, "tokens": tokens, "created": created},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, key: str, pk: int) -> HttpResponse:
    team = member_team(request, key)
    token = IntakeToken.objects.filter(team=team, pk=pk).select_related("team").first()
    if token is None:
        raise Http404("No such token.")
    outcome = attempt(request, alerts.intake_token_revoke, token=token, actor=request.user)
    if outcome.ok:
        messages.success(request, f"Revoked “{token.name}”.")
    return redirect("intake-tokens", key=team.key)
