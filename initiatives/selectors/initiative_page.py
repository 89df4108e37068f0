"""Reads for the initiative page (``/i/<KEY-N>/``): a fixed number of queries whatever the size
of the initiative, and bounded lists, so the busiest initiative renders as fast as a new one.

The page shows the newest ``UPDATES_SHOWN`` weekly updates and ``ACTIVITY_PAGE`` activity
events; the rest stays reachable through ``?updates=all`` and ``?activity=<page>``
(``tests/web/test_query_budgets.py`` and ``tests/web/test_initiative_page_speed.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from ..models import ActivityEvent, ChecklistItem, Initiative, Membership, StatusUpdate, Task
from ..permissions import prime_roles
from .initiatives import initiative_detail
from .pages import mark_update_due, team_people

UPDATES_SHOWN = 6
ACTIVITY_PAGE = 20
# A person's name is all the page shows of a user linked from a row.
_NAME = ("username", "first_name", "last_name")


def _names(relation: str) -> tuple[str, ...]:
    return tuple(f"{relation}__{name}" for name in _NAME)


@dataclass
class InitiativePage:
    initiative: Initiative
    items: list[ChecklistItem]
    tasks: list[Task]
    updates: list[StatusUpdate]
    activity: list[ActivityEvent]
    people: list[Membership]
    # True when there is more than the page shows (links to the rest).
    more_updates: bool = False
    all_updates: bool = False
    activity_page: int = 1
    more_activity: bool = False


def initiative_page(
    user: AbstractBaseUser, key: str, *, all_updates: bool = False, activity_page: int = 1
) -> InitiativePage:
    """Everything the initiative page shows; Initiative.DoesNotExist for non-members.

    ``all_updates`` lists every weekly update instead of the newest ``UPDATES_SHOWN``;
    ``activity_page`` (from 1, newest first) picks ``ACTIVITY_PAGE`` events of the log."""
    initiative = initiative_detail(
        Initiative.objects.filter(team__memberships__user=user).select_related("dri"), key
    )
    mark_update_due([initiative])
    tasks = list(
        Task.objects.filter(initiative=initiative)
        .select_related("assignee", "milestone")
        .only(
            "initiative_id",
            "milestone_id",
            "assignee_id",
            "title",
            "state",
            "external_url",
            "scope_change",
            "milestone__title",
            *_names("assignee"),
        )
        .order_by("milestone__due_date", "created_at", "pk")
    )
    updates_qs = (
        StatusUpdate.objects.filter(initiative=initiative)
        .select_related("author", "milestone")
        .only(
            "initiative_id",
            "author_id",
            "milestone_id",
            "week",
            "health",
            "progress",
            "risks",
            "next_week",
            "revision",
            "updated_at",
            "milestone__title",
            *_names("author"),
        )
        .order_by("-week")
    )
    # One row more than shown tells whether there is more, without a COUNT query.
    updates = list(updates_qs if all_updates else updates_qs[: UPDATES_SHOWN + 1])
    more_updates = not all_updates and len(updates) > UPDATES_SHOWN
    activity_page = max(activity_page, 1)
    start = (activity_page - 1) * ACTIVITY_PAGE
    activity = list(
        ActivityEvent.objects.filter(initiative=initiative)
        .select_related("actor")
        .only("initiative_id", "actor_id", "summary", "created_at", *_names("actor"))
        .order_by("-created_at", "-pk")[start : start + ACTIVITY_PAGE + 1]
    )
    people = team_people(initiative.team)
    prime_roles(user, initiative.team_id, people)
    return InitiativePage(
        initiative=initiative,
        items=initiative.checklist,
        tasks=tasks,
        updates=updates[:UPDATES_SHOWN] if more_updates else updates,
        activity=activity[:ACTIVITY_PAGE],
        people=people,
        more_updates=more_updates,
        all_updates=all_updates,
        activity_page=activity_page,
        more_activity=len(activity) > ACTIVITY_PAGE,
    )
