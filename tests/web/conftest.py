"""Helpers for the web UI's tests: data of a chosen size, and the URLs of every page."""

import datetime as dt

import pytest
from django.urls import reverse

from initiatives import services
from initiatives.models import ChecklistItem, Health, State, TaskState
from tests.factories import make_initiative, make_milestone


def advance(initiative, actor, *, to_delivery: bool = False):
    """Move an initiative into scoping, or with ``to_delivery`` through an EM override into
    delivery (``actor`` must then be an EM)."""
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=actor)
    if to_delivery:
        services.initiative_transition(
            initiative=initiative, to=State.READY, actor=actor, override=True, reason="test"
        )
        services.initiative_transition(initiative=initiative, to=State.IN_DELIVERY, actor=actor)


def populate(team, people, n: int) -> list:
    """``n`` initiatives in delivery, the first with ``n`` milestones and ``n`` tasks (the others
    one of each), each with members, stakeholders, an update and signed-off items: enough
    variety that a query per row, per milestone or per item would show in the counts."""
    dri, em = people["dri"], people["em"]
    rows = []
    for i in range(n):
        initiative = make_initiative(
            team, dri, title=f"Initiative {i}", members=[people["engineer"]],
            stakeholders=[people["pm"]],
        )  # fmt: skip
        advance(initiative, em, to_delivery=True)
        for m in range(n if i == 0 else 1):
            milestone = make_milestone(initiative, dri, days=5 + m, title=f"M{m}")
            services.task_create(
                initiative=initiative, actor=dri, title=f"T{m}", milestone=milestone,
                assignee=dri,
            )  # fmt: skip
            if m % 2:
                services.milestone_update(
                    milestone=milestone, actor=dri, changes={"due_date": milestone.due_date
                    + dt.timedelta(days=3)},
                )  # fmt: skip
        services.status_update_post(
            initiative=initiative, actor=dri, health=Health.AT_RISK, risks="Slow vendor"
        )
        item = open_item(initiative, signoff_role="", rule="", evidence="")
        services.checklist_item_tick(item=item, actor=dri)
        rows.append(initiative)
    return rows


def open_item(initiative, **filters) -> ChecklistItem:
    return ChecklistItem.objects.filter(initiative=initiative, status="open", **filters).first()


@pytest.fixture
def page_urls(initiative, people):
    """Every GET page of the web UI that concerns ``initiative`` and its team."""
    milestone = make_milestone(initiative, people["dri"])
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Scope it")
    return {
        "my-work": reverse("my-work"),
        "team-list": reverse("team-list"),
        "team-detail": reverse("team-detail", args=[initiative.team.key]),
        "initiative-create": reverse("initiative-create", args=[initiative.team.key]),
        "initiative-detail": initiative.get_absolute_url(),
        "initiative-edit": reverse("initiative-edit", args=[initiative.key]),
        "initiative-people": reverse("initiative-people", args=[initiative.key]),
        "status-update": reverse("status-update", args=[initiative.key]),
        "milestone-create": reverse("milestone-create", args=[initiative.key]),
        "milestone-edit": reverse("milestone-edit", args=[milestone.pk]),
        "task-create": reverse("task-create", args=[initiative.key]),
        "task-edit": reverse("task-edit", args=[task.pk]),
    }


@pytest.fixture
def post_actions(initiative, people):
    """Every POST of the web UI with a valid payload, as (url, data)."""
    milestone = make_milestone(initiative, people["dri"])
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Scope it")
    item = open_item(initiative, signoff_role="", rule="", evidence="")
    today = dt.date.today()
    return {
        "initiative-create": (
            reverse("initiative-create", args=[initiative.team.key]),
            {"title": "Another", "dri": people["dri"].pk},
        ),
        "initiative-edit": (
            reverse("initiative-edit", args=[initiative.key]),
            {"title": "Renamed", "dri": people["dri"].pk},
        ),
        "initiative-transition": (
            reverse("initiative-transition", args=[initiative.key]),
            {"to": State.SCOPING},
        ),
        "initiative-people": (
            reverse("initiative-people", args=[initiative.key]),
            {"user": people["legal"].pk, "kind": "stakeholder"},
        ),
        "initiative-person-remove": (
            reverse("initiative-person-remove", args=[initiative.key]),
            {"user": people["dri"].pk, "kind": "member"},
        ),
        "status-update": (
            reverse("status-update", args=[initiative.key]),
            {"health": Health.ON_TRACK, "progress": "Fine"},
        ),
        "milestone-create": (
            reverse("milestone-create", args=[initiative.key]),
            {"title": "Beta", "due_date": (today + dt.timedelta(days=9)).isoformat()},
        ),
        "milestone-edit": (
            reverse("milestone-edit", args=[milestone.pk]),
            {"title": "Pilot 2", "due_date": milestone.due_date.isoformat()},
        ),
        "milestone-transition": (
            reverse("milestone-transition", args=[milestone.pk]),
            {"to": "cancelled"},
        ),
        "task-create": (
            reverse("task-create", args=[initiative.key]),
            {"title": "More", "state": TaskState.TODO},
        ),
        "task-edit": (
            reverse("task-edit", args=[task.pk]),
            {"title": "Scope it well", "state": TaskState.TODO},
        ),
        "task-move": (reverse("task-move", args=[task.pk]), {"state": TaskState.DONE}),
        "checklist-item-tick": (reverse("checklist-item-tick", args=[item.pk]), {}),
        "checklist-item-waive": (
            reverse("checklist-item-waive", args=[item.pk]),
            {"reason": "n/a"},
        ),
        "checklist-item-reopen": (reverse("checklist-item-reopen", args=[item.pk]), {}),
    }
