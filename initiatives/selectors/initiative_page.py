"""Reads for the initiative page (``/i/<KEY-N>/``): a fixed number of queries whatever the size
of the initiative, and bounded lists, so the busiest initiative renders as fast as a new one.

The page shows the newest ``UPDATES_SHOWN`` weekly updates and ``ACTIVITY_PAGE`` activity
events; the rest stays reachable through ``?updates=all`` and ``?activity=<page>``
(``tests/web/test_query_budgets.py`` and ``tests/web/test_initiative_page_speed.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    Initiative,
    Membership,
    StatusUpdate,
    Task,
    TaskState,
)
from initiatives.rules.permissions import prime_roles
from initiatives.selectors.initiatives import InitiativeDetail, initiative_detail
from initiatives.selectors.pages import exceptions_made, team_people, update_due

UPDATES_SHOWN = 6
ACTIVITY_PAGE = 20
# A person's name is all the page shows of a user linked from a row.
_NAME = ("username", "first_name", "last_name")


def _names(relation: str) -> tuple[str, ...]:
    return tuple(f"{relation}__{name}" for name in _NAME)


def _name_of(username: str | None, first: str, last: str, fallback: str) -> str:
    """What the ``person`` template filter shows (full name, else username), from columns."""
    if username is None:
        return fallback
    return f"{first} {last}".strip() or username


# Tasks and activity are the page's long lists: read as plain rows (values(), no model
# instances, no user objects), which costs a fraction of building the models.


@dataclass
class TaskRow:
    pk: int
    title: str
    state: str
    external_url: str
    scope_change: bool
    milestone_title: str | None
    assignee_id: int | None
    assignee_name: str
    # Set by the view for people who may change tasks.
    edit_url: str = ""
    move_url: str = ""

    def __post_init__(self) -> None:
        self.ref = str(self.pk)  # the id as text: printed five times per row

    @property
    def state_label(self) -> str:
        return TaskState(self.state).label


@dataclass
class EventRow:
    created_at: dt.datetime
    actor_name: str
    summary: str


def _task_rows(initiative: Initiative) -> list[TaskRow]:
    rows = (
        Task.objects.filter(initiative=initiative)
        .order_by("milestone__due_date", "created_at", "pk")
        .values_list(
            "pk", "title", "state", "external_url", "scope_change", "milestone__title",
            "assignee_id", *_names("assignee"),
        )
    )  # fmt: skip
    return [
        TaskRow(
            pk=pk,
            title=title,
            state=state,
            external_url=external_url,
            scope_change=scope_change,
            milestone_title=milestone_title,
            assignee_id=assignee_id,
            assignee_name=_name_of(username, first, last, fallback="Unassigned"),
        )
        for (
            pk, title, state, external_url, scope_change, milestone_title, assignee_id,
            username, first, last,
        ) in rows
    ]  # fmt: skip


def _event_rows(initiative: Initiative, start: int, stop: int) -> list[EventRow]:
    rows = (
        ActivityEvent.objects.filter(initiative=initiative)
        .order_by("-created_at", "-pk")
        .values_list("created_at", "summary", *_names("actor"))[start:stop]
    )
    return [
        EventRow(created_at, _name_of(username, first, last, fallback="system"), summary)
        for created_at, summary, username, first, last in rows
    ]


@dataclass
class InitiativePage:
    initiative: InitiativeDetail
    items: list[ChecklistItem]
    tasks: list[TaskRow]
    updates: list[StatusUpdate]
    activity: list[EventRow]
    people: list[Membership]
    # The DRI's weekly update is due (``pages.update_due``).
    update_due: bool
    # True when there is more than the page shows (links to the rest).
    more_updates: bool = False
    all_updates: bool = False
    activity_page: int = 1
    more_activity: bool = False


def initiative_page(
    user: User, key: str, *, all_updates: bool = False, activity_page: int = 1
) -> InitiativePage:
    """Everything the initiative page shows; Initiative.DoesNotExist for non-members.

    ``all_updates`` lists every weekly update instead of the newest ``UPDATES_SHOWN``;
    ``activity_page`` (from 1, newest first) picks ``ACTIVITY_PAGE`` events of the log."""
    detail = initiative_detail(
        Initiative.objects.filter(team__memberships__user=user)
        .select_related("dri")
        # The overrides made on its way (the sticky bar's mark): a subquery, no query more.
        .annotate(n_overrides=exceptions_made()["n_overrides"]),
        key,
    )
    initiative = detail.initiative
    tasks = _task_rows(initiative)
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
    activity = _event_rows(initiative, start, start + ACTIVITY_PAGE + 1)
    people = team_people(initiative.team)
    prime_roles(user, initiative.team_id, people)
    return InitiativePage(
        initiative=detail,
        items=detail.checklist,
        tasks=tasks,
        updates=updates[:UPDATES_SHOWN] if more_updates else updates,
        activity=activity[:ACTIVITY_PAGE],
        people=people,
        update_due=update_due(detail),
        more_updates=more_updates,
        all_updates=all_updates,
        activity_page=activity_page,
        more_activity=len(activity) > ACTIVITY_PAGE,
    )
