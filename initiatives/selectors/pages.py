"""Reads for the web UI's team pages (board, table) and forms. Each function answers one page in
a fixed number of queries whatever the data size (``tests/web/test_query_budgets.py`` pins the
budgets). My work and the initiative page have their own modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lower, RowNumber
from django.utils import timezone

from initiatives.compiled import CompiledRead
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    Health,
    Initiative,
    ItemStatus,
    Membership,
    Milestone,
    State,
    StatusUpdate,
    Task,
    Team,
)
from initiatives.rules.permissions import is_contributor, prime_roles
from initiatives.rules.workflow import iso_week
from initiatives.selectors.initiatives import OPEN_MILESTONE_STATES, InitiativeRow, list_initiatives
from initiatives.selectors.versions import read_key, remember

# Initiatives still being worked on: what a DRI's "my work" and sign-off lists care about.
OPEN_STATES = (State.DISCOVERY, State.SCOPING, State.READY, State.IN_DELIVERY, State.PAUSED)
BOARD_COLUMNS = tuple(State)


def week_in(team: Team, now: dt.datetime | None = None) -> str:
    """The current ISO week in ``team``'s time zone (no query: the team is already loaded)."""
    return iso_week(timezone.localtime(now or timezone.now(), team.tz).date())


def update_due(row: Initiative | InitiativeRow, now: dt.datetime | None = None) -> bool:
    """Whether ``row`` is active and has no update for its team's current week."""
    return row.is_active and row.last_update_week != week_in(row.team, now)


# --- Teams -----------------------------------------------------------------------------------


def teams_of(user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("team").order_by("team__key"))


# Built once per process (initiatives.compiled): every team page reads it first.
_MEMBER_TEAM: CompiledRead[Team] = CompiledRead(
    lambda key, user_id: (
        Team.objects.filter(key=key, memberships__user_id=user_id)
        # The membership row the filter joined: the user's role.
        .annotate(member_role=F("memberships__role"))
        .order_by()[:2]
    ),
    key=str,
    user_id=int,
)


def team_for(user: User, key: str) -> Team:
    """The team ``key`` if ``user`` belongs to it; Team.DoesNotExist otherwise (names of other
    teams do not leak). The user's role comes with it (``permissions.actor_for`` asks no
    more)."""
    teams = _MEMBER_TEAM.rows(key=key.upper(), user_id=user.pk)
    if len(teams) != 1:  # a user belongs to a team once (unique membership)
        raise Team.DoesNotExist(f"No team {key!r} of this user.")
    team = teams[0]
    role = getattr(team, "member_role", "")
    prime_roles(user, team.pk, [Membership(user_id=user.pk, team_id=team.pk, role=role)])
    return team


def team_people(team: Team) -> list[Membership]:
    """The team's memberships with their users, by username. Cached under the team's data
    version as read with ``team`` (joining, leaving and role changes are audited writes that
    move it on); a renamed user shows within ``READ_CACHE_SECONDS``."""
    return remember(
        read_key("team-people", team.pk, team.data_version),
        lambda: list(
            Membership.objects.filter(team=team).select_related("user").order_by("user__username")
        ),
    )


@dataclass(frozen=True)
class BoardFilters:
    state: str = ""
    health: str = ""
    dri: int | None = None
    q: str = ""
    sort: str = "key"


SORT_COLUMNS = (
    "key", "rank", "title", "dri", "state", "health", "milestone", "dor", "dod", "updated",
)  # fmt: skip
# The board shows this many cards per column (in the chosen order) and links to the table for
# the rest; the table shows pages of TABLE_PAGE_SIZE rows.
BOARD_COLUMN_LIMIT = 10
TABLE_PAGE_SIZE = 50


def _rank(values: Any, column: str) -> Case:
    """Position of ``column``'s value in ``values`` (choices order), for sorting in SQL."""
    return Case(*(When(**{column: v}, then=Value(i)) for i, v in enumerate(values)), default=-1)


def _percent(prefix: str) -> Case:
    """A gate's stored progress as a percentage; a gate with nothing required is complete."""
    return Case(
        When(**{f"{prefix}_required": 0}, then=Value(100.0)),
        default=F(f"{prefix}_satisfied") * 100.0 / F(f"{prefix}_required"),
        output_field=FloatField(),
    )


def _sort_expression(column: str) -> Any:
    current_due = Milestone.objects.filter(
        initiative=OuterRef("pk"), state__in=OPEN_MILESTONE_STATES
    ).order_by("due_date", "position", "pk")
    return {
        "key": F("number"),
        # Priority within the team (``Initiative.rank``, 1 first).
        "rank": F("rank"),
        "title": Lower("title"),
        "dri": Lower("dri__username"),
        "state": _rank(State.values, "state"),
        # Red first when descending; no update sorts as the healthiest so it is not hidden.
        "health": _rank(Health.values, "health"),
        # No open milestone sorts last.
        "milestone": Subquery(current_due.values("due_date")[:1]),
        "dor": _percent("dor"),
        "dod": _percent("dod"),
        "updated": F("last_update_week"),
    }.get(column, F("number"))


def board_ordering(sort: str) -> list[Any]:
    """SQL ordering for a ``sort`` value (``-`` for descending); ties by key."""
    expression = _sort_expression(sort.lstrip("-"))
    if sort.startswith("-"):
        return [expression.desc(nulls_last=True), F("number").asc()]
    return [expression.asc(nulls_last=True), F("number").asc()]


def board_queryset(team: Team, filters: BoardFilters) -> QuerySet[Initiative]:
    """The team's initiatives matching ``filters`` (not yet ordered)."""
    queryset = Initiative.objects.filter(team=team)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.health:
        queryset = queryset.filter(health=filters.health)
    if filters.dri:
        queryset = queryset.filter(dri_id=filters.dri)
    if filters.q:
        needle = filters.q.strip()
        by_key = Q()
        team_key, _, number = needle.upper().rpartition("-")
        # ASCII digits that fit the column ("²".isdigit() is True, int("²") fails).
        is_number = number.isascii() and number.isdigit() and len(number) < 10
        if is_number and team_key in ("", team.key):
            by_key = Q(number=int(number))
        queryset = queryset.filter(Q(title__icontains=needle) | by_key)
    return queryset


@dataclass
class BoardColumn:
    state: str
    label: str
    cards: list[InitiativeRow]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


@dataclass
class Board:
    columns: list[BoardColumn]
    total: int


def team_board(team: Team, filters: BoardFilters) -> Board:
    """The board: per state, the first ``BOARD_COLUMN_LIMIT`` initiatives in the chosen order
    and how many there are in all. Two queries (counts per state; the cards, picked in SQL
    by a window function) whatever the number of initiatives."""
    queryset = board_queryset(team, filters)
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("pk")))
    ordering = board_ordering(filters.sort)
    first = (
        queryset.annotate(place=Window(RowNumber(), partition_by=[F("state")], order_by=ordering))
        .filter(place__lte=BOARD_COLUMN_LIMIT)
        .values("pk")
    )
    rows = list_initiatives(
        Initiative.objects.filter(pk__in=first).annotate(**exceptions_made()).order_by(*ordering),
        extra=EXCEPTION_COUNTS,
    )
    return Board(
        columns=[
            BoardColumn(
                state=s.value,
                label=s.label,
                cards=[r for r in rows if r.state == s],
                total=counts.get(s.value, 0),
            )
            for s in BOARD_COLUMNS
        ],
        total=sum(counts.values()),
    )


EXCEPTION_COUNTS = ("n_waived", "n_overrides")


def exceptions_made() -> dict[str, Any]:
    """The waived checklist items and the gate overrides of the outer initiative, as
    annotations (subqueries of the same query): the board card shows them beside its
    "gate no longer met" marks."""
    waived = ChecklistItem.objects.filter(initiative_id=OuterRef("pk"), status=ItemStatus.WAIVED)
    overrides = ActivityEvent.objects.filter(
        initiative_id=OuterRef("pk"), verb="initiative.gate_overridden"
    )
    return {
        "n_waived": Subquery(
            waived.order_by().values("initiative_id").annotate(n=Count("pk")).values("n")
        ),
        "n_overrides": Subquery(
            overrides.order_by().values("initiative_id").annotate(n=Count("pk")).values("n")
        ),
    }


@dataclass
class TablePage:
    """One page of the table: the paginator's page (numbers, links) and its rows."""

    page: Page[Initiative]
    rows: list[InitiativeRow]


def team_table(team: Team, filters: BoardFilters, page: str | int | None) -> TablePage:
    """One page of the team's initiatives as a table, sorted in SQL: two queries (the count,
    the page's rows). Out-of-range or malformed page numbers give the nearest page."""
    queryset = board_queryset(team, filters).order_by(*board_ordering(filters.sort))
    paginator = Paginator(queryset, TABLE_PAGE_SIZE)
    current = paginator.get_page(page)
    offset = (current.number - 1) * paginator.per_page
    return TablePage(
        page=current, rows=list_initiatives(queryset[offset : offset + paginator.per_page])
    )


# --- Forms ------------------------------------------------------------------------------------


def contributors(people: list[Membership]) -> list[User]:
    """Users who may own work (DRIs, assignees): the team's contributors."""
    return [m.user for m in people if is_contributor(m.role)]


def initiative_for(user: User, key: str) -> Initiative:
    """One initiative with its team, for forms; Initiative.DoesNotExist for non-members."""
    return (
        Initiative.objects.filter(team__memberships__user=user)
        .by_key(key)
        .select_related("team", "dri")
        .prefetch_related("members", "stakeholders")
        .get()
    )


def latest_update(initiative: Initiative) -> StatusUpdate | None:
    return StatusUpdate.objects.filter(initiative=initiative).order_by("-week").first()


def open_milestones(initiative: Initiative) -> list[Milestone]:
    return list(initiative.milestones.filter(state__in=OPEN_MILESTONE_STATES))


def milestone_for(user: User, pk: int) -> Milestone:
    return (
        Milestone.objects.filter(initiative__team__memberships__user=user)
        .select_related("initiative__team")
        .get(pk=pk)
    )


def task_for(user: User, pk: int) -> Task:
    return (
        Task.objects.filter(initiative__team__memberships__user=user)
        .select_related("initiative__team", "milestone", "assignee")
        .get(pk=pk)
    )


def item_for(user: User, pk: int) -> ChecklistItem:
    return (
        ChecklistItem.objects.filter(initiative__team__memberships__user=user)
        .select_related("initiative__team")
        .get(pk=pk)
    )
