"""Goals on the web: a team's goals (its own and those shared with it), a goal's page with its
key results, their check-in charts and forms, and the initiatives contributing to them; the
forms to create and edit goals and key results. Each view parses its form, calls one service
through ``attempt`` and redirects, or shows the errors. Everything works without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from initiatives.goals import rules
from initiatives.goals import selectors as reads
from initiatives.goals import services as goals
from initiatives.goals.charts import check_in_chart
from initiatives.goals.models import Goal, KeyResult
from initiatives.models import Initiative, Team
from initiatives.rules import permissions as perms
from initiatives.rules.dates import team_today
from initiatives.rules.exceptions import NotFound
from initiatives.selectors.versions import half_hour, read_key, remember
from initiatives.web.goal_forms import CheckInForm, GoalForm, KeyResultForm, LinkForm
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt, require_offered


def _team(request: AuthenticatedHttpRequest, key: str) -> Team:
    try:
        return reads.member_team(request.user, key)
    except NotFound:
        raise Http404("No such team.") from None


def _goal(request: AuthenticatedHttpRequest, pk: int) -> Goal:
    try:
        return reads.goal_for(request.user, pk)
    except NotFound:
        raise Http404("No such goal.") from None


def _kr(request: AuthenticatedHttpRequest, pk: int) -> KeyResult:
    try:
        return reads.key_result_for(request.user, pk)
    except NotFound:
        raise Http404("No such key result.") from None


def _can_edit(request: AuthenticatedHttpRequest, team_id: int) -> bool:
    return rules.can_edit_goals(perms.actor_for(request.user, team_id))


@login_required
def team_goals(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = _team(request, key)
    rows = reads.team_goals(team)
    return render(
        request,
        "goals/team_goals.html",
        {
            "team": team,
            "own": [r for r in rows if r.own],
            "shared": [r for r in rows if not r.own],
            "can_edit": _can_edit(request, team.pk),
        },
    )


@login_required
def goal_create(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = _team(request, key)
    require_offered(_can_edit(request, team.pk))
    today = team_today(team.tz, timezone.now())
    form = GoalForm(request.POST or None, team=team, initial={"starts_on": today})
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        outcome = attempt(request, goals.goal_create, form=form, team=team, actor=request.user,
                          **data)  # fmt: skip
        if outcome.ok:
            messages.success(request, f"Created the goal “{outcome.value.title}”.")
            return redirect("goal-detail", pk=outcome.value.pk)
        status = outcome.status
    return render(request, "goals/goal_form.html", {"form": form, "team": team}, status=status)


@login_required
def goal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk)
    require_offered(_can_edit(request, goal.team_id))
    form = GoalForm(request.POST or None, team=goal.team, initial=GoalForm.initial_for(goal))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if changes.get("ends_on") is None:
            changes.pop("ends_on")
        outcome = attempt(request, goals.goal_update, form=form, goal=goal, actor=request.user,
                          changes=changes)  # fmt: skip
        if outcome.ok:
            messages.success(request, "Saved the goal.")
            return redirect("goal-detail", pk=goal.pk)
        status = outcome.status
    return render(
        request,
        "goals/goal_form.html",
        {"form": form, "team": goal.team, "goal": goal},
        status=status,
    )


@login_required
def goal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        page = reads.goal_page(request.user, pk)
    except NotFound:
        raise Http404("No such goal.") from None
    goal = page.goal
    actor = perms.actor_for(request.user, goal.team_id)
    can_edit = rules.can_edit_goals(actor)
    cards = [
        {
            "row": row,
            "chart": check_in_chart(row),
            "can_check_in": goal.is_open and rules.can_check_in(actor, row.key_result.owner_id),
        }
        for row in page.key_results
    ]
    return render(
        request,
        "goals/goal_detail.html",
        {
            "goal": goal,
            "page": page,
            "cards": cards,
            "can_edit": can_edit,
            "kr_form": KeyResultForm(team=goal.team) if can_edit else None,
            "current_week": goals.current_week(goal.team),
        },
    )


@login_required
def key_result_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = _goal(request, pk)
    require_offered(_can_edit(request, goal.team_id))
    form = KeyResultForm(request.POST or None, team=goal.team)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = attempt(request, goals.key_result_create, form=form, goal=goal,
                          actor=request.user, **form.cleaned_data)  # fmt: skip
        if outcome.ok:
            messages.success(request, f"Added the key result “{outcome.value.title}”.")
            return redirect(
                reverse("goal-detail", kwargs={"pk": goal.pk}) + f"#kr-{outcome.value.pk}"
            )
        status = outcome.status
    return render(
        request, "goals/key_result_form.html", {"form": form, "goal": goal}, status=status
    )


@login_required
def key_result_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    kr = _kr(request, pk)
    goal = kr.goal
    require_offered(_can_edit(request, goal.team_id))
    form = KeyResultForm(
        request.POST or None, team=goal.team, initial=KeyResultForm.initial_for(kr)
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if not (k == "owner" and v is None)}
        outcome = attempt(request, goals.key_result_update, form=form, key_result=kr,
                          actor=request.user, changes=changes)  # fmt: skip
        if outcome.ok:
            messages.success(request, "Saved the key result.")
            return redirect(reverse("goal-detail", kwargs={"pk": goal.pk}) + f"#kr-{kr.pk}")
        status = outcome.status
    return render(
        request,
        "goals/key_result_form.html",
        {"form": form, "goal": goal, "key_result": kr},
        status=status,
    )


def _back(kr: KeyResult) -> HttpResponse:
    return redirect(reverse("goal-detail", kwargs={"pk": kr.goal_id}) + f"#kr-{kr.pk}")


@login_required
@require_POST
def key_result_check_in(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    kr = _kr(request, pk)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{name.replace('_', ' ').capitalize()}: {text}")
        return _back(kr)
    outcome = attempt(request, goals.check_in, key_result=kr, actor=request.user,
                      **form.cleaned_data)  # fmt: skip
    if outcome.ok:
        revised = " (revised this week's)" if outcome.value.revisions else ""
        messages.success(
            request, f"Checked in {kr.title}: {outcome.value.value:g}{kr.unit}{revised}."
        )
    return _back(kr)


def _initiative(request: AuthenticatedHttpRequest, key: str) -> Initiative | None:
    return (
        Initiative.objects.by_key(key.strip())
        .filter(team__memberships__user=request.user)
        .select_related("team")
        .first()
    )


@login_required
@require_POST
def key_result_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    kr = _kr(request, pk)
    form = LinkForm(request.POST)
    initiative = _initiative(request, form.data.get("initiative", "")) if form.is_valid() else None
    if initiative is None:
        messages.error(request, "No such initiative among your teams'.")
        return _back(kr)
    outcome = attempt(request, goals.key_result_link, key_result=kr, initiative=initiative,
                      actor=request.user)  # fmt: skip
    if outcome.ok:
        messages.success(request, f"{initiative.key} now contributes to “{kr.title}”.")
    return _back(kr)


@login_required
@require_POST
def key_result_unlink(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    kr = _kr(request, pk)
    form = LinkForm(request.POST)
    initiative = _initiative(request, form.data.get("initiative", "")) if form.is_valid() else None
    if initiative is None:
        raise Http404("No such initiative.")
    outcome = attempt(request, goals.key_result_unlink, key_result=kr, initiative=initiative,
                      actor=request.user)  # fmt: skip
    if outcome.ok:
        messages.success(request, f"{initiative.key} no longer contributes to “{kr.title}”.")
    return _back(kr)


def initiative_key_results(
    request: AuthenticatedHttpRequest, key: str, *, all_version: int | None
) -> list[Any]:
    """The key results an initiative serves, for its page (which has checked that the viewer
    may see it). Cached under the version of all teams (a key result of another team's goal
    changes without the initiative's team) and the half hour (standings are as of today);
    read afresh when the page is (``all_version`` None)."""
    if all_version is None:
        return reads.key_results_by_key(request.user, key)
    cache_key = read_key("initiative-key-results", key.upper(), all_version, half_hour())
    return remember(cache_key, lambda: reads.key_results_by_key(request.user, key))
