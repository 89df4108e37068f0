"""The work inside an initiative: checklist items, milestones, tasks and the weekly update.
Each view parses its form, calls one service and redirects back to the initiative page, or
redisplays the form with the service's errors beside its fields."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from initiatives import services
from initiatives.models import ChecklistItem, Milestone, MilestoneState, Task
from initiatives.rules import permissions as perms
from initiatives.selectors import pages as read
from initiatives.web.forms import (
    MilestoneForm,
    ReopenForm,
    StatusUpdateForm,
    TaskForm,
    TaskMoveForm,
    TickForm,
    WaiveForm,
)
from initiatives.web.inplace import say
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt, require_offered
from initiatives.web.views.initiative import Failed, get_initiative, refused

User = get_user_model()


def _back(initiative_url: str, anchor: str) -> HttpResponse:
    return redirect(f"{initiative_url}#{anchor}")


# --- Checklist items -------------------------------------------------------------------------


def _item(request: AuthenticatedHttpRequest, pk: int) -> ChecklistItem:
    try:
        return read.item_for(request.user, pk)
    except ChecklistItem.DoesNotExist:
        raise Http404("No such checklist item.") from None


@login_required
@require_POST
def checklist_item_tick(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    initiative = item.initiative
    form = TickForm(request.POST, item=item)
    form.is_valid()
    outcome = attempt(
        request,
        services.checklist_item_tick,
        form=form,
        item=item,
        actor=request.user,
        evidence=form.cleaned_data.get("evidence", ""),
        note=form.cleaned_data.get("note", ""),
    )
    anchor = f"item-{item.pk}"
    if outcome.ok:
        verb = "Signed off" if item.signoff_role else "Done"
        say(request, messages.SUCCESS, f"{verb}: {item.text}.", anchor)
        return _back(initiative.get_absolute_url(), anchor)
    return refused(request, initiative.key, outcome.status, Failed("tick", form, item.pk), anchor)


@login_required
@require_POST
def checklist_item_waive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = WaiveForm(request.POST)
    form.is_valid()
    outcome = attempt(
        request,
        services.checklist_item_waive,
        form=form,
        item=item,
        actor=request.user,
        reason=form.cleaned_data.get("reason", ""),
    )
    anchor = f"item-{item.pk}"
    if outcome.ok:
        say(request, messages.SUCCESS, f"Waived: {item.text}.", anchor)
        return _back(item.initiative.get_absolute_url(), anchor)
    failed = Failed("waive", form, item.pk)
    return refused(request, item.initiative.key, outcome.status, failed, anchor)


@login_required
@require_POST
def checklist_item_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ReopenForm(request.POST)
    form.is_valid()
    anchor = f"item-{item.pk}"
    outcome = attempt(
        request,
        services.checklist_item_reopen,
        anchor=anchor,
        item=item,
        actor=request.user,
        note=form.cleaned_data.get("note", ""),
    )
    if outcome.ok:
        say(request, messages.SUCCESS, f"Reopened: {item.text}.", anchor)
    return _back(item.initiative.get_absolute_url(), anchor)


# --- Milestones ------------------------------------------------------------------------------


def _milestone(request: AuthenticatedHttpRequest, pk: int) -> Milestone:
    try:
        return read.milestone_for(request.user, pk)
    except Milestone.DoesNotExist:
        raise Http404("No such milestone.") from None


@login_required
def milestone_create(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = get_initiative(request, key)
    actor = perms.actor_for(request.user, initiative.team_id)
    require_offered(perms.can_manage_milestones(actor, initiative))
    form = MilestoneForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request,
            services.milestone_create,
            form=form,
            initiative=initiative,
            actor=request.user,
            **form.cleaned_data,
        )
        if outcome.ok:
            anchor = f"milestone-{outcome.value.pk}"
            say(request, messages.SUCCESS, f"Planned milestone “{outcome.value.title}”.", anchor)
            return _back(initiative.get_absolute_url(), anchor)
        status = outcome.status
    return render(
        request,
        "initiatives/milestone_form.html",
        {"form": form, "initiative": initiative},
        status=status,
    )


@login_required
def milestone_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    milestone = _milestone(request, pk)
    initiative = milestone.initiative
    actor = perms.actor_for(request.user, initiative.team_id)
    require_offered(perms.can_manage_milestones(actor, initiative))
    form = MilestoneForm(
        request.POST or None, milestone=milestone, initial=MilestoneForm.initial_for(milestone)
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        slip_reason = changes.pop("slip_reason", "")
        outcome = attempt(
            request,
            services.milestone_update,
            form=form,
            milestone=milestone,
            actor=request.user,
            changes=changes,
            slip_reason=slip_reason,
        )
        if outcome.ok:
            anchor = f"milestone-{milestone.pk}"
            say(request, messages.SUCCESS, f"Saved milestone “{outcome.value.title}”.", anchor)
            return _back(initiative.get_absolute_url(), anchor)
        status = outcome.status
    return render(
        request,
        "initiatives/milestone_form.html",
        {
            "form": form,
            "initiative": initiative,
            "milestone": milestone,
            "slips": list(milestone.slips.select_related("actor")),
        },
        status=status,
    )


@login_required
@require_POST
def milestone_transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    milestone = _milestone(request, pk)
    to = request.POST.get("to", "")
    anchor = f"milestone-{milestone.pk}"
    outcome = attempt(
        request,
        services.milestone_transition,
        anchor=anchor,
        milestone=milestone,
        actor=request.user,
        to=to,
    )
    if outcome.ok:
        label = MilestoneState(outcome.value.state).label
        text = f"Milestone “{milestone.title}” is now {label.lower()}."
        say(request, messages.SUCCESS, text, anchor)
    return _back(milestone.initiative.get_absolute_url(), anchor)


# --- Tasks -----------------------------------------------------------------------------------


def _task(request: AuthenticatedHttpRequest, pk: int) -> Task:
    try:
        return read.task_for(request.user, pk)
    except Task.DoesNotExist:
        raise Http404("No such task.") from None


@login_required
def task_create(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = get_initiative(request, key)
    actor = perms.actor_for(request.user, initiative.team_id)
    require_offered(perms.can_manage_tasks(actor, initiative))
    form = TaskForm(
        request.POST or None,
        initiative=initiative,
        initial={"milestone": request.GET.get("milestone")},
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request,
            services.task_create,
            form=form,
            initiative=initiative,
            actor=request.user,
            **form.cleaned_data,
        )
        if outcome.ok:
            say(request, messages.SUCCESS, f"Added task “{outcome.value.title}”.", "tasks")
            return _back(initiative.get_absolute_url(), "tasks")
        status = outcome.status
    return render(
        request,
        "initiatives/task_form.html",
        {"form": form, "initiative": initiative},
        status=status,
    )


@login_required
def task_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    initiative = task.initiative
    actor = perms.actor_for(request.user, initiative.team_id)
    require_offered(perms.can_manage_tasks(actor, initiative))
    initial = {
        "title": task.title,
        "milestone": task.milestone_id,
        "assignee": task.assignee_id,
        "state": task.state,
        "external_url": task.external_url,
    }
    form = TaskForm(request.POST or None, initiative=initiative, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        # Only what changed is sent, so that the service records a precise audit entry.
        changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        outcome = attempt(
            request,
            services.task_update,
            form=form,
            task=task,
            actor=request.user,
            changes=changes,
        )
        if outcome.ok:
            anchor = f"task-{task.pk}"
            say(request, messages.SUCCESS, f"Saved task “{outcome.value.title}”.", anchor)
            return _back(initiative.get_absolute_url(), anchor)
        status = outcome.status
    return render(
        request,
        "initiatives/task_form.html",
        {"form": form, "initiative": initiative, "task": task},
        status=status,
    )


@login_required
@require_POST
def task_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The quick change from the initiative page's task list: state and assignee."""
    task = _task(request, pk)
    anchor = f"task-{task.pk}"
    form = TaskMoveForm(request.POST)
    if not form.is_valid():
        say(request, messages.ERROR, "Choose a task state.", anchor)
        return _back(task.initiative.get_absolute_url(), anchor)
    changes: dict[str, object] = {"state": form.cleaned_data["state"]}
    if "assignee" in request.POST:
        assignee_id = form.cleaned_data["assignee"]
        # An unknown id becomes "nobody here"; the service checks team membership.
        changes["assignee"] = User.objects.filter(pk=assignee_id).first() if assignee_id else None
    outcome = attempt(
        request, services.task_update, anchor=anchor, task=task, actor=request.user, changes=changes
    )
    if outcome.ok:
        say(request, messages.SUCCESS, f"Updated task “{task.title}”.", anchor)
    return _back(task.initiative.get_absolute_url(), anchor)


# --- Weekly status update --------------------------------------------------------------------


@login_required
def status_update(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """This week's update, prefilled so that a DRI edits rather than retypes: this week's own
    text when revising it, else last week's health, milestone and risks, with last week's plan
    as the starting point for this week's progress."""
    initiative = get_initiative(request, key)
    actor = perms.actor_for(request.user, initiative.team_id)
    require_offered(perms.can_post_update(actor, initiative))
    week = read.week_in(initiative.team)
    previous = read.latest_update(initiative)
    revising = previous is not None and previous.week == week
    initial = {}
    if previous is not None:
        initial = {
            "health": previous.health,
            "milestone": previous.milestone_id,
            "progress": previous.progress if revising else previous.next_week,
            "risks": previous.risks,
            "next_week": previous.next_week if revising else "",
        }
    form = StatusUpdateForm(request.POST or None, initiative=initiative, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request,
            services.status_update_post,
            form=form,
            initiative=initiative,
            actor=request.user,
            **form.cleaned_data,
        )
        if outcome.ok:
            say(request, messages.SUCCESS, f"Posted the {outcome.value.week} update.", "updates")
            return _back(initiative.get_absolute_url(), "updates")
        status = outcome.status
    return render(
        request,
        "initiatives/status_update_form.html",
        {
            "form": form,
            "initiative": initiative,
            "week": week,
            "previous": previous,
            "revising": revising,
        },
        status=status,
    )
