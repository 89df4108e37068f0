"""Reads for "My work" (``/``): what the signed-in person should look at first.

Every section is bounded: the overview shows the first few rows of each list, ordered so that
what needs attention comes first, with the section's total counted by the database (a window
function on the same query, so no extra query and no rows loaded beyond the cap). Each section
is also reachable in full, a page at a time (``?section=tasks&page=2``). The query count does
not depend on the data size (``tests/web/test_query_budgets.py``)."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.urls import reverse
from django.utils import dateformat, timezone

from initiatives.models import (
    ACTIVE_STATES,
    CLOSED_TASK_STATES,
    HEALTH_COLOUR,
    ChecklistItem,
    ChecklistKind,
    Health,
    Initiative,
    ItemStatus,
    Membership,
    Milestone,
    SignoffRole,
    State,
    Task,
    TaskState,
    Team,
)
from initiatives.rules.workflow import STALE_AFTER_WEEKS, iso_week
from initiatives.selectors.initiatives import (
    OPEN_MILESTONE_STATES,
    InitiativeRow,
    list_initiatives,
)
from initiatives.selectors.pages import DUE_SOON_DAYS, OPEN_STATES, mark_update_due

SECTIONS = ("initiatives", "signoffs", "tasks", "milestones")
# Rows per section on the overview, and per page when one section is shown in full.
OVERVIEW_CAPS = {"initiatives": 20, "signoffs": 20, "tasks": 25, "milestones": 20}
PAGE_SIZE = 50
MAX_PAGE = 10_000
MEMBERSHIP_SIGNOFF_ROLES = (SignoffRole.SECURITY, SignoffRole.LEGAL, SignoffRole.EM)


@dataclass
class Section:
    """One bounded list: ``rows`` from ``offset`` on, out of ``total``."""

    name: str
    rows: list[Any]
    total: int
    offset: int = 0
    page: int = 1
    page_size: int = PAGE_SIZE
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def more(self) -> int:
        """Rows after the ones shown."""
        return max(0, self.total - self.offset - len(self.rows))

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def previous_page(self) -> int | None:
        return min(self.page - 1, self.pages) if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.more else None


@dataclass
class MyWork:
    memberships: list[Membership]
    # None for the sections not asked for when one section is shown in full.
    initiatives: Section | None
    signoffs: Section | None
    tasks: Section | None
    milestones: Section | None
    section: str = ""
    today: dt.date = field(default_factory=dt.date.today)


def _window_rows(
    queryset: QuerySet[Any],
    name: str,
    offset: int,
    limit: int,
    evaluate: Callable[[QuerySet[Any]], list[Any]] = list,
) -> Section:
    """Evaluate ``queryset[offset:offset + limit]`` (with ``evaluate``) and read the total
    from the ``n_total`` window count on its first row: one query. Only a page past the end
    needs a second query, to say how many rows there are."""
    rows = evaluate(queryset[offset : offset + limit])
    if rows:
        first = rows[0]
        total = first.extra["n_total"] if isinstance(first, InitiativeRow) else first.n_total
    elif offset:
        total = queryset.count()
    else:
        total = 0
    return Section(name=name, rows=rows, total=total, offset=offset, page_size=limit)


def _total() -> Window:
    return Window(Count("pk"))


def _url_for(name: str) -> Callable[[str], str]:
    """``reverse(name, kwargs={"key": key})`` for many keys at the cost of one reverse()."""
    head, _, tail = reverse(name, kwargs={"key": "@KEY@"}).partition("@KEY@")
    return lambda key: f"{head}{key}{tail}"


# --- Initiatives I drive ---------------------------------------------------------------------


@dataclass(frozen=True)
class _TeamWeek:
    """What "update due" and "stale" mean this week in one team's time zone, as filters."""

    team_id: int
    current_week: str
    # Stale (workflow.is_stale): active and neither an update nor the creation in the last
    # STALE_AFTER_WEEKS completed weeks, i.e. both at or before ``stale_week``.
    stale_week: str
    created_before: dt.datetime

    @classmethod
    def of(cls, team: Team, now: dt.datetime) -> _TeamWeek:
        today = timezone.localtime(now, team.tz).date()
        monday = today - dt.timedelta(days=today.weekday())
        stale_monday = monday - dt.timedelta(weeks=STALE_AFTER_WEEKS + 1)
        created_before = dt.datetime.combine(stale_monday + dt.timedelta(weeks=1), dt.time.min)
        return cls(
            team_id=team.pk,
            current_week=iso_week(today),
            stale_week=iso_week(stale_monday),
            created_before=timezone.make_aware(created_before, team.tz),
        )


def _attention_filters(memberships: list[Membership], now: dt.datetime) -> dict[str, Q]:
    weeks = [_TeamWeek.of(m.team, now) for m in memberships]
    active = Q(state__in=ACTIVE_STATES)
    update_due = Q(pk__in=[])
    stale = Q(pk__in=[])
    for w in weeks:
        update_due |= Q(team_id=w.team_id) & ~Q(last_update_week=w.current_week)
        stale |= Q(
            team_id=w.team_id,
            last_update_week__lte=w.stale_week,
            created_at__lt=w.created_before,
        )
    return {
        "red": active & Q(health=Health.OFF_TRACK),
        "stale": active & stale,
        "update_due": active & update_due,
        "at_risk": active & Q(health=Health.AT_RISK),
        "active": active,
    }


def _gate_label(row: Initiative) -> str:
    """The gate the initiative works towards, as "DoR 5/12" (empty while paused)."""
    if row.state == State.IN_DELIVERY:
        name, gate = "DoD", row.gates.done
    elif row.state in (State.DISCOVERY, State.SCOPING, State.READY):
        name, gate = "DoR", row.gates.ready
    else:
        return ""
    return f"{name} {gate.required_satisfied}/{gate.required_total}"


def _initiatives(
    user: AbstractBaseUser, memberships: list[Membership], offset: int, limit: int
) -> Section:
    """Open initiatives ``user`` is the DRI of: red, stale, update due, at risk, the other
    active ones, then discovery and paused; with how many need each kind of attention."""
    filters = _attention_filters(memberships, timezone.now())
    flags = {
        f"is_{name}": Case(When(filters[name], then=Value(1)), default=Value(0))
        for name in ("red", "stale", "update_due")
    }
    # The flags are resolved once and referenced from here on (each Q is resolved only once,
    # which is most of the cost of building this query).
    attention = Case(
        When(is_red=1, then=Value(0)),
        When(is_stale=1, then=Value(1)),
        When(is_update_due=1, then=Value(2)),
        When(filters["at_risk"], then=Value(3)),
        When(filters["active"], then=Value(4)),
        default=Value(5),
    )
    queryset = (
        Initiative.objects.filter(
            dri=user, state__in=OPEN_STATES, team_id__in=[m.team_id for m in memberships]
        )
        .annotate(**flags)
        .annotate(
            attention=attention,
            n_total=_total(),
            **{f"n_{name[3:]}": Window(Sum(name)) for name in flags},
        )
        .order_by("attention", "team__key", "number")
    )
    section = _window_rows(
        queryset,
        "initiatives",
        offset,
        limit,
        evaluate=lambda qs: list_initiatives(
            qs, extra=["n_total", "n_red", "n_stale", "n_update_due"]
        ),
    )
    rows = section.rows
    mark_update_due(rows)
    detail_url, update_url = _url_for("initiative-detail"), _url_for("status-update")
    for row in rows:
        row.url = detail_url(row.key)
        row.state_label = row.get_state_display()
        row.health_colour = HEALTH_COLOUR.get(row.health, "none")
        row.health_label = row.get_health_display() if row.health else "No update"
        row.gate_label = _gate_label(row)
        row.update_url = update_url(row.key) if row.update_due else ""
    first = rows[0] if rows else None
    section.counts = {
        name: first.extra[f"n_{name}"] if first else 0 for name in ("red", "stale", "update_due")
    }
    return section


# --- Sign-offs waiting -----------------------------------------------------------------------


def _signoffs_waiting(
    user: AbstractBaseUser, memberships: list[Membership]
) -> QuerySet[ChecklistItem] | None:
    """Open sign-off items the user's role (or stakeholdership) lets them give, in the teams
    they belong to; None when they can give none (no query needed). The roles and the teams
    where they are a stakeholder come with ``memberships`` (see ``my_work``), so no join
    multiplies the rows and no DISTINCT is needed."""
    grants = [
        Q(signoff_role=m.role, initiative__team_id=m.team_id)
        for m in memberships
        if m.role in MEMBERSHIP_SIGNOFF_ROLES
    ]
    stakeholder_teams = [m.team_id for m in memberships if m.stakeholder]
    if stakeholder_teams:
        stakeholder = Initiative.stakeholders.through.objects.filter(
            initiative_id=OuterRef("initiative_id"), user_id=user.pk
        )
        grants.append(
            Q(
                Exists(stakeholder),
                signoff_role=SignoffRole.STAKEHOLDER,
                initiative__team_id__in=stakeholder_teams,
            )
        )
    if not grants:
        return None
    allowed = reduce(operator.or_, grants)
    # The gate the initiative is heading for first: DoR items before it is ready, DoD items
    # while it is in delivery.
    next_gate = Q(kind=ChecklistKind.READY, initiative__state__in=[State.DISCOVERY, State.SCOPING])
    next_gate |= Q(kind=ChecklistKind.DONE, initiative__state=State.IN_DELIVERY)
    return (
        ChecklistItem.objects.filter(
            allowed, status=ItemStatus.OPEN, initiative__state__in=OPEN_STATES
        )
        # The DRI cannot sign off their own initiative (permissions.signoff_refusal).
        .exclude(initiative__dri=user)
        .select_related("initiative__team")
        .only("text", "kind", "signoff_role", "initiative__number", "initiative__team__key")
        .annotate(
            gate_rank=Case(When(next_gate, then=Value(0)), default=Value(1)),
            n_total=_total(),
        )
        .order_by(
            "gate_rank",
            "initiative__team__key",
            "initiative__number",
            "kind",
            "section_position",
            "position",
            "pk",
        )
    )


def _signoffs(
    user: AbstractBaseUser, memberships: list[Membership], offset: int, limit: int
) -> Section:
    queryset = _signoffs_waiting(user, memberships)
    if queryset is None:
        return Section(name="signoffs", rows=[], total=0, offset=offset, page_size=limit)
    section = _window_rows(queryset, "signoffs", offset, limit)
    detail_url = _url_for("initiative-detail")
    for item in section.rows:
        item.key = item.initiative.key
        item.url = f"{detail_url(item.key)}#item-{item.pk}"
        item.kind_label = item.get_kind_display()
        item.role_label = item.get_signoff_role_display()
    return section


# --- Tasks assigned --------------------------------------------------------------------------

OPEN_TASK_STATES = [state for state in TaskState if state not in CLOSED_TASK_STATES]
_TASK_STATE_RANK = Case(
    When(state=TaskState.IN_PROGRESS, then=Value(0)),
    When(state=TaskState.IN_REVIEW, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _tasks(
    user: AbstractBaseUser, memberships: list[Membership], offset: int, limit: int
) -> Section:
    """Open tasks assigned to ``user``: those of the milestone due first, then what is under
    way before what is still to do."""
    # Written so that the plan starts from the (assignee, state) index whatever the table
    # statistics, and reads only the columns the page shows: the window count carries every
    # matching row through the sort.
    visible = Initiative.objects.filter(team_id__in=[m.team_id for m in memberships]).exclude(
        state=State.CANCELLED
    )
    queryset = (
        Task.objects.filter(
            assignee=user, state__in=OPEN_TASK_STATES, initiative_id__in=visible.values("pk")
        )
        .select_related("initiative__team", "milestone")
        .only(
            "title",
            "state",
            "initiative__number",
            "initiative__team__key",
            "milestone__title",
            "milestone__due_date",
        )
        .annotate(state_rank=_TASK_STATE_RANK, n_total=_total())
        .order_by(
            F("milestone__due_date").asc(nulls_last=True),
            "state_rank",
            "initiative__team__key",
            "initiative__number",
            "created_at",
            "pk",
        )
    )
    section = _window_rows(queryset, "tasks", offset, limit)
    detail_url = _url_for("initiative-detail")
    for task in section.rows:
        task.key = task.initiative.key
        task.url = f"{detail_url(task.key)}#task-{task.pk}"
        task.state_label = task.get_state_display()
        task.milestone_title = task.milestone.title if task.milestone else ""
    return section


# --- Milestones due --------------------------------------------------------------------------


def _milestones(
    user: AbstractBaseUser, memberships: list[Membership], today: dt.date, offset: int, limit: int
) -> Section:
    """Open milestones of initiatives ``user`` drives or works on that are overdue or due
    within DUE_SOON_DAYS, the most overdue first."""
    member = Initiative.members.through.objects.filter(
        initiative_id=OuterRef("initiative_id"), user_id=user.pk
    )
    queryset = (
        Milestone.objects.filter(
            Q(initiative__dri=user) | Q(Exists(member)),
            initiative__team_id__in=[m.team_id for m in memberships],
            state__in=OPEN_MILESTONE_STATES,
            due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
        )
        .exclude(initiative__state=State.CANCELLED)
        .select_related("initiative__team")
        .only("title", "due_date", "initiative__number", "initiative__team__key")
        .annotate(
            n_total=_total(),
            n_overdue=Window(Count("pk", filter=Q(due_date__lt=today))),
        )
        .order_by("due_date", "pk")
    )
    section = _window_rows(queryset, "milestones", offset, limit)
    detail_url = _url_for("initiative-detail")
    for ms in section.rows:
        ms.key = ms.initiative.key
        ms.url = f"{detail_url(ms.key)}#milestone-{ms.pk}"
        ms.overdue = ms.due_date < today
        ms.due_label = (
            f"Overdue · {dateformat.format(ms.due_date, 'j M')}"
            if ms.overdue
            else f"Due {dateformat.format(ms.due_date, 'D j M')}"
        )
    section.counts = {"overdue": section.rows[0].n_overdue if section.rows else 0}
    return section


# --- The page --------------------------------------------------------------------------------


def my_work(user: AbstractBaseUser, *, section: str = "", page: int = 1) -> MyWork:
    """The overview (``section`` empty): every section capped at OVERVIEW_CAPS with its total;
    or one ``section`` in full, PAGE_SIZE rows per ``page``. At most six queries: memberships,
    DRI rows and their checklists, sign-offs, tasks, milestones."""
    today = timezone.localdate()
    stakeholder = Initiative.stakeholders.through.objects.filter(
        user_id=user.pk,
        initiative__team_id=OuterRef("team_id"),
        initiative__state__in=OPEN_STATES,
    )
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("team")
        .annotate(stakeholder=Exists(stakeholder))
        .order_by("team__key")
    )
    section = section if section in SECTIONS else ""
    page = min(max(page, 1), MAX_PAGE) if section else 1

    def window(name: str) -> tuple[int, int] | None:
        if not section:
            return 0, OVERVIEW_CAPS[name]
        if section == name:
            return (page - 1) * PAGE_SIZE, PAGE_SIZE
        return None

    def load(name: str, build: Callable[[int, int], Section]) -> Section | None:
        bounds = window(name)
        if bounds is None:
            return None
        result = build(*bounds)
        result.page = page
        return result

    return MyWork(
        memberships=memberships,
        initiatives=load("initiatives", lambda o, n: _initiatives(user, memberships, o, n)),
        signoffs=load("signoffs", lambda o, n: _signoffs(user, memberships, o, n)),
        tasks=load("tasks", lambda o, n: _tasks(user, memberships, o, n)),
        milestones=load("milestones", lambda o, n: _milestones(user, memberships, today, o, n)),
        section=section,
        today=today,
    )
