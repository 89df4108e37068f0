"""Intake on the web: asking a team ("Ask PLAT", showing who is on call), My requests, a
request's page with its triage actions, the team's triage queue with bulk triage. Each view
parses its form, calls one service through ``attempt`` and redirects, or shows the errors.
The rota and intake tokens are in ``views/intake_settings.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from initiatives.intake import rules
from initiatives.intake import selectors as reads
from initiatives.intake import services as intake
from initiatives.intake.models import Category, IntakeRequest
from initiatives.models import Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import NotFound
from initiatives.selectors.versions import half_hour, read_key, remember
from initiatives.web import params
from initiatives.web.intake_forms import AnswerForm, BulkForm, RequestForm, TriageForm
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt

PAGE_SIZE = 50


def askable(request: AuthenticatedHttpRequest, key: str) -> tuple[Team, str | None]:
    try:
        return reads.askable_team(request.user, key)
    except NotFound:
        raise Http404("No such team.") from None


def member_team(request: AuthenticatedHttpRequest, key: str) -> Team:
    """The team if the viewer belongs to it (404 otherwise), their role read with it."""
    try:
        team = reads.member_team(request.user, key)
    except NotFound:
        raise Http404("No such team.") from None
    perms.ROLES.of(request.user)[team.pk] = team.caller_role  # type: ignore[attr-defined]
    return team


def _request(request: AuthenticatedHttpRequest, pk: int) -> IntakeRequest:
    try:
        found = reads.request_for(request.user, pk)
    except NotFound:
        raise Http404("No such request.") from None
    # The caller's role, read with the request: the permission checks ask no more.
    perms.ROLES.of(request.user)[found.team_id] = found.caller_role  # type: ignore[attr-defined]
    return found


def team_header(team: Team) -> reads.HeaderCounts:
    """The team header's intake figures, cached under the team's data version (every intake
    write moves it on) and the half hour (the triage slot and the hand-over pass)."""
    key = read_key("intake-header", team.pk, team.data_version, half_hour())
    return remember(key, lambda: reads.header_counts(team))


@dataclass(frozen=True)
class TeamIntake:
    team: Team
    figures: reads.IntakeFigures


def dashboard_intake(teams: list[Team]) -> list[TeamIntake]:
    """The dashboard's intake section: the last 28 days of each team with any request (four
    queries whatever the number of teams)."""
    now = timezone.now()
    figures = reads.intake_figures(teams, since=now - dt.timedelta(days=28), until=now, now=now)
    return [TeamIntake(t, figures[t.pk]) for t in teams if not figures[t.pk].is_empty]


# --- Asking ----------------------------------------------------------------------------------


@login_required
def ask(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team, role = askable(request, key)
    form = RequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = attempt(
                request,
                intake.request_create,
                form=form,
                team=team,
                actor=request.user,
                **form.cleaned_data,
            )
            if outcome.ok:
                messages.success(request, f"Sent to {team.key}. You can follow it here.")
                return redirect("intake-request", pk=outcome.value.pk)
            status = outcome.status
    return render(
        request,
        "intake/ask.html",
        {"team": team, "form": form, "rota": reads.rota(team), "is_member": role is not None},
        status=status,
    )


@login_required
def my_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = reads.askable_teams(request.user)
    page = Paginator(reads.my_requests(request.user), PAGE_SIZE).get_page(
        params.positive_int(request.GET, "page", 1)
    )
    return render(
        request,
        "intake/my_requests.html",
        {
            "page": page,
            "teams": teams,
            # Links to accepted initiatives only where they open (members of their team).
            "member_team_ids": {t.pk for t in teams if t.caller_is_member},  # type: ignore[attr-defined]
        },
    )


# --- A request -------------------------------------------------------------------------------


@login_required
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _request(request, pk)
    actor = perms.actor_for(request.user, found.team_id)
    can_triage = found.is_open and rules.can_triage(actor)
    is_requester = found.requester_id == request.user.pk
    context: dict[str, Any] = {
        "req": found,
        "can_triage": can_triage,
        "is_requester": is_requester,
        "is_member": actor.is_member,  # the accepted initiative's page opens to members only
        "activity": reads.request_activity(found) if actor.is_member else [],
        "answer_form": AnswerForm() if is_requester and found.needs_info else None,
    }
    if can_triage:
        context["triage_form"] = TriageForm(
            team=found.team, teams=reads.askable_teams(request.user)
        )
    return render(request, "intake/request_detail.html", context)


def _triage_kwargs(form: TriageForm, team: Team) -> dict[str, Any]:
    data = form.cleaned_data
    action = data["action"]
    kwargs: dict[str, Any] = {
        "action": action,
        "reason": data.get("reason") or "",
        "question": data.get("question") or "",
        "until": data.get("until"),
        "team": data.get("team"),
    }
    if action == "accept" and data.get("into"):
        kwargs["accept"] = intake.Accept(
            into=data["into"], initiative=data.get("initiative"), title=data.get("title") or ""
        )
    if data.get("original"):
        kwargs["original"] = IntakeRequest.objects.filter(pk=data["original"]).first()
        if kwargs["original"] is None:
            raise Http404("No such request.")
    return kwargs


@login_required
@require_POST
def request_triage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _request(request, pk)
    form = TriageForm(request.POST, team=found.team, teams=reads.askable_teams(request.user))
    back = (
        reverse("intake-queue", args=[found.team.key])
        if request.POST.get("return_to") == "queue"
        else reverse("intake-request", args=[found.pk])
    )
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect(back)
    outcome = attempt(
        request, intake.request_triage, request=found, actor=request.user,
        **_triage_kwargs(form, found.team),
    )  # fmt: skip
    if outcome.ok:
        done = outcome.value
        label = rules.ACTIONS[form.cleaned_data["action"]].label
        messages.success(request, f"#{done.pk}: {label} — now {done.get_state_display().lower()}.")
    return redirect(back)


@login_required
@require_POST
def request_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _request(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        outcome = attempt(
            request,
            intake.request_answer,
            request=found,
            actor=request.user,
            answer=form.cleaned_data["answer"],
        )
        if outcome.ok:
            messages.success(request, "Thanks: your answer is with the team.")
    else:
        messages.error(request, "Write your answer.")
    return redirect("intake-request", pk=found.pk)


# --- The triage queue ------------------------------------------------------------------------


@login_required
def queue(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = member_team(request, key)
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    show_snoozed = request.GET.get("snoozed") == "1"
    rota = reads.rota(team)
    found = reads.triage_queue(team, rota, category=category, show_snoozed=show_snoozed)
    actor = perms.actor_for(request.user, team)
    context = {
        "team": team,
        "queue": found,
        "rota": rota,
        "category": category,
        "categories": Category.choices,
        "show_snoozed": show_snoozed,
        "can_triage": rules.can_triage(actor),
        "can_manage": rules.can_manage_intake(actor),
        "limit": reads.QUEUE_LIMIT,
    }
    return render(request, "intake/queue.html", context)


@login_required
@require_POST
def queue_bulk(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = member_team(request, key)
    ids = [int(v) for v in request.POST.getlist("ids") if v.isascii() and v.isdigit()][:200]
    form = BulkForm(request.POST, ids=ids)
    back = reverse("intake-queue", args=[team.key])
    if not form.is_valid():
        messages.error(request, "Choose requests and an action.")
        return redirect(back)
    data = form.cleaned_data
    outcome = attempt(
        request,
        intake.requests_bulk_triage,
        team=team,
        actor=request.user,
        ids=data["ids"],
        action=data["action"],
        reason=data.get("reason") or "",
        question=data.get("question") or "",
        until=data.get("until"),
    )
    if outcome.ok:
        result = outcome.value
        if result.done:
            messages.success(request, f"{len(result.done)} request(s) triaged.")
        for pk, why in result.refused:
            messages.error(request, f"#{pk}: {why}")
    return redirect(back)
