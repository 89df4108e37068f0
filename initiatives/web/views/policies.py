"""Team policies (the EM's form), priority moves on the board and the table, and blocked-by
links on the initiative page. Every write goes through ``initiatives.policies.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from initiatives.models import Task, Team
from initiatives.policies import selectors as reads
from initiatives.policies import services
from initiatives.rules import permissions as perms
from initiatives.selectors import pages as read
from initiatives.web.policy_forms import DependencyForm, RankForm, TeamPolicyForm
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt
from initiatives.web.views.initiative import get_initiative


def _team(request: AuthenticatedHttpRequest, key: str) -> Team:
    try:
        return read.team_for(request.user, key)
    except Team.DoesNotExist:
        raise Http404("No such team.") from None


@login_required
def team_policies(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """Every member reads the team's policies; its EM changes them."""
    team = _team(request, key)
    policy = reads.policy_for(team)
    can_set = perms.can_set_policies(perms.actor_for(request.user, team))
    initial = {
        "wip_team": policy.wip_team,
        "wip_dri": policy.wip_dri,
        "pairing_required": policy.pairing_required,
        "pairing_min": policy.pairing_min,
        "key_result_required": policy.key_result_required,
    }
    form = TeamPolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied("Only an engineering manager can change the team's policies.")
        status = 400
        if form.is_valid():
            outcome = attempt(
                request,
                services.team_policy_set,
                form=form,
                team=team,
                actor=request.user,
                changes=form.cleaned_data,
            )
            if outcome.ok:
                messages.success(request, f"Saved the policies of {team.key}.")
                return redirect("team-policies", key=team.key)
            status = outcome.status
    context = {"team": team, "policy": policy, "form": form, "can_set": can_set}
    return render(request, "policies/team_policies.html", context, status=status)


def _back(request: AuthenticatedHttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def initiative_rank(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """Move up or down: within its board column (``within=state``) or the team's order."""
    initiative = get_initiative(request, key)
    form = RankForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose up or down.")
        return _back(request, f"/teams/{initiative.team.key}/?sort=rank")
    outcome = attempt(
        request,
        services.initiative_rerank,
        initiative=initiative,
        actor=request.user,
        direction=form.cleaned_data["direction"],
        within_state=form.cleaned_data["within"] != "team",
    )
    if outcome.ok:
        messages.success(request, f"Moved {initiative.key} {form.cleaned_data['direction']}.")
    return _back(request, f"/teams/{initiative.team.key}/?sort=rank")


@login_required
@require_POST
def dependency_add(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = get_initiative(request, key)
    tasks = Task.objects.filter(initiative=initiative).only("pk", "title")
    form = DependencyForm(request.POST, tasks=tasks)
    if not form.is_valid():
        messages.error(request, "Give the key of the blocking initiative, like PLAT-7.")
        return redirect(initiative)
    task = next((t for t in tasks if t.pk == form.cleaned_data["task"]), None)
    outcome = attempt(
        request,
        services.dependency_add,
        initiative=initiative,
        actor=request.user,
        blocker_key=form.cleaned_data["blocker"].strip(),
        task=task,
    )
    if outcome.ok:
        messages.success(request, f"{initiative.key} is blocked by {outcome.value.blocker.key}.")
    return redirect(f"{initiative.get_absolute_url()}#dependencies")


@login_required
@require_POST
def dependency_remove(request: AuthenticatedHttpRequest, key: str, pk: int) -> HttpResponse:
    initiative = get_initiative(request, key)
    outcome = attempt(
        request, services.dependency_remove, initiative=initiative, actor=request.user, pk=pk
    )
    if outcome.ok:
        messages.success(request, "Removed the blocked-by link.")
    return redirect(f"{initiative.get_absolute_url()}#dependencies")
