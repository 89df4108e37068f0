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
from typing import Any, Generic, TypedDict, TypeVar

from django.contrib.auth.models import User
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
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from initiatives.models import (
    ACTIVE_STATES,
    CLOSED_TASK_STATES,
    ActivityEvent,
    ChecklistItem,
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
from initiatives.rules.checklists import RISK_RANK, is_required, stricter_risk
from initiatives.rules.dates import day_label, team_today
from initiatives.rules.permissions import SIGNOFF_ROLES_OF, is_contributor
from initiatives.rules.workflow import (
    DUE_SOON_DAYS,
    LAPSED_LABEL,
    STALE_AFTER_WEEKS,
    due_soon_until,
    due_status,
    iso_week,
    lapsed_gates,
    next_gate,
    parse_iso_week,
    passed_gates,
    shift_week,
)
from initiatives.selectors.initiatives import (
    GATE_SHORT_NAMES,
    OPEN_MILESTONE_STATES,
    InitiativeRow,
    list_initiatives,
)
from initiatives.selectors.pages import OPEN_STATES, update_due

SECTIONS = ("initiatives", "signoffs", "tasks", "milestones")
# Rows per section on the overview, and per page when one section is shown in full.
OVERVIEW_CAPS = {"initiatives": 20, "signoffs": 20, "tasks": 25, "milestones": 20}
PAGE_SIZE = 50
MAX_PAGE = 10_000

R = TypeVar("R")


@dataclass
class Section(Generic[R]):
    """One bounded list: ``rows`` from ``offset`` on, out of ``total``."""

    name: str
    rows: list[R]
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


@dataclass(frozen=True, slots=True)
class MyTeam:
    """A team the person belongs to, as my work needs it."""

    team: Team
    role: str
    # Listed as a stakeholder of an open initiative of the team (their sign-offs may wait).
    stakeholder: bool

    @property
    def key(self) -> str:
        return self.team.key

    @property
    def can_create(self) -> bool:
        """May start initiatives here (``rules.permissions.can_create_initiative``)."""
        return is_contributor(self.role)


@dataclass(frozen=True, slots=True)
class MyInitiative:
    """An open initiative the person is the DRI of, with what its row shows."""

    pk: int
    key: str
    title: str
    url: str
    state: str
    state_label: str
    health: str
    health_label: str
    gate_label: str  # the next gate's progress, "DoR 5/12"; empty once there is none
    stale: bool
    update_due: bool
    update_url: str  # set when the update is due
    lapsed: tuple[str, ...] = ()  # "DoR no longer met" (``rules.workflow.lapsed_gates``)


@dataclass(frozen=True, slots=True)
class SignoffWaiting:
    """An open sign-off item the person may give."""

    pk: int
    initiative_id: int
    key: str
    url: str
    text: str
    kind: str
    kind_label: str
    role_label: str
    title: str = ""  # the initiative's
    waiting_since: dt.datetime | None = None  # when the initiative entered its state


@dataclass(frozen=True, slots=True)
class MyTask:
    """An open task assigned to the person."""

    pk: int
    key: str
    url: str
    title: str
    state: str
    state_label: str
    milestone_title: str


@dataclass(frozen=True, slots=True)
class MilestoneDue:
    """An open milestone of the person's initiatives, overdue or due soon."""

    pk: int
    key: str
    url: str
    title: str
    due_date: dt.date
    overdue: bool
    due_label: str


@dataclass
class MyWork:
    teams: list[MyTeam]
    # None for the sections not asked for when one section is shown in full.
    initiatives: Section[MyInitiative] | None
    signoffs: Section[SignoffWaiting] | None
    tasks: Section[MyTask] | None
    milestones: Section[MilestoneDue] | None
    section: str = ""
    today: dt.date = field(default_factory=dt.date.today)
    due_soon_days: int = DUE_SOON_DAYS


class _Counted(TypedDict):
    n_total: int


def _section_total(first_total: int | None, queryset: QuerySet[Any], offset: int) -> int:
    """The section's total: the ``n_total`` window count read on the first row of the page
    (no extra query); only a page past the end needs a COUNT to say how many rows there are."""
    if first_total is not None:
        return first_total
    return queryset.count() if offset else 0


def _total() -> Window:
    return Window(Count("pk"))


def _url_for(name: str) -> Callable[[str], str]:
    """``reverse(name, kwargs={"key": key})`` for many keys at the cost of one reverse()."""
    # A placeholder the <initiative:key> converter accepts and no URL prefix contains.
    head, _, tail = reverse(name, kwargs={"key": "QQQQ-0"}).partition("QQQQ-0")
    return lambda key: f"{head}{key}{tail}"


# --- Initiatives I drive ---------------------------------------------------------------------


def newest_stale_week(current_week: str) -> str:
    """The newest ISO week in which an update (or the creation) still leaves an active
    initiative stale in ``current_week``: ``rules.workflow.is_stale`` as a bound on weeks
    (stale when more than STALE_AFTER_WEEKS weeks lie between them)."""
    return shift_week(current_week, -(STALE_AFTER_WEEKS + 1))


@dataclass(frozen=True)
class _TeamWeek:
    """What "update due" and "stale" mean this week in one team's time zone, as filters."""

    team_id: int
    current_week: str
    # Stale: active and both the last update and the creation in ``stale_week`` or before,
    # i.e. created before the Monday after it (``created_before``, in the team's time zone).
    stale_week: str
    created_before: dt.datetime

    @classmethod
    def of(cls, team: Team, now: dt.datetime) -> _TeamWeek:
        current = iso_week(timezone.localtime(now, team.tz).date())
        stale_week = newest_stale_week(current)
        monday_after = parse_iso_week(shift_week(stale_week, 1))
        return cls(
            team_id=team.pk,
            current_week=current,
            stale_week=stale_week,
            created_before=timezone.make_aware(
                dt.datetime.combine(monday_after, dt.time.min), team.tz
            ),
        )


def _attention_filters(teams: list[MyTeam], now: dt.datetime) -> dict[str, Q]:
    weeks = [_TeamWeek.of(t.team, now) for t in teams]
    active = Q(state__in=ACTIVE_STATES)
    due = Q(pk__in=[])
    stale = Q(pk__in=[])
    for w in weeks:
        # pages.update_due and rules.workflow.is_stale, per team, in SQL.
        due |= Q(team_id=w.team_id) & ~Q(last_update_week=w.current_week)
        stale |= Q(
            team_id=w.team_id,
            last_update_week__lte=w.stale_week,
            created_at__lt=w.created_before,
        )
    return {
        "red": active & Q(health=Health.OFF_TRACK),
        "stale": active & stale,
        "update_due": active & due,
        "at_risk": active & Q(health=Health.AT_RISK),
        "active": active,
    }


def _gate_label(row: InitiativeRow) -> str:
    """The gate the initiative works towards, as "DoR 5/12" (empty when there is none)."""
    gate = row.next_gate
    if gate is None:
        return ""
    return f"{GATE_SHORT_NAMES[gate.kind]} {gate.required_satisfied}/{gate.required_total}"


def _my_initiative(
    row: InitiativeRow, now: dt.datetime, urls: dict[str, Callable[[str], str]]
) -> MyInitiative:
    due = update_due(row, now)
    return MyInitiative(
        pk=row.pk,
        key=row.key,
        title=row.title,
        url=urls["detail"](row.key),
        state=row.state,
        state_label=row.get_state_display(),
        health=row.health,
        health_label=row.get_health_display() if row.health else "No update",
        gate_label=_gate_label(row),
        stale=row.stale,
        update_due=due,
        update_url=urls["update"](row.key) if due else "",
        lapsed=tuple(LAPSED_LABEL[kind] for kind in lapsed_gates(row.initiative)),
    )


def _initiatives(user: User, teams: list[MyTeam], offset: int, limit: int) -> Section[MyInitiative]:
    """Open initiatives ``user`` is the DRI of: red, stale, update due, at risk, the other
    active ones, then discovery and paused; with how many need each kind of attention."""
    now = timezone.now()
    filters = _attention_filters(teams, now)
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
            dri=user, state__in=OPEN_STATES, team_id__in=[t.team.pk for t in teams]
        )
        .annotate(**flags)
        .annotate(
            attention=attention,
            n_total=_total(),
            **{f"n_{name[3:]}": Window(Sum(name)) for name in flags},
        )
        .order_by("attention", "team__key", "number")
    )
    counted = ("red", "stale", "update_due")
    rows = list_initiatives(
        queryset[offset : offset + limit],
        extra=["n_total", *(f"n_{name}" for name in counted)],
    )
    first = rows[0] if rows else None
    urls = {"detail": _url_for("initiative-detail"), "update": _url_for("status-update")}
    return Section(
        name="initiatives",
        rows=[_my_initiative(row, now, urls) for row in rows],
        total=_section_total(first.extra["n_total"] if first else None, queryset, offset),
        offset=offset,
        page_size=limit,
        counts={name: first.extra[f"n_{name}"] if first else 0 for name in counted},
    )


# --- Sign-offs waiting -----------------------------------------------------------------------


def _signoff_grants(user: User, teams: list[MyTeam]) -> list[Q]:
    """The open items ``user`` may sign off, per team, by ``rules.permissions.may_sign_off``:
    the sign-offs their role gives, and stakeholder sign-offs of initiatives that list them.
    Only contributors tick anything (``tick_refusal``), so a viewer's list stays empty. My work
    shows only teams the user belongs to, so the superuser-acts-as-EM rule (``role_in``, for
    teams they are not a member of) never applies here."""
    contributing = [t for t in teams if is_contributor(t.role)]
    grants = [
        Q(signoff_role__in=SIGNOFF_ROLES_OF[t.role], initiative__team_id=t.team.pk)
        for t in contributing
        if t.role in SIGNOFF_ROLES_OF
    ]
    stakeholder_teams = [t.team.pk for t in contributing if t.stakeholder]
    if stakeholder_teams:
        listed = Initiative.stakeholders.through.objects.filter(
            initiative_id=OuterRef("initiative_id"), user_id=user.pk
        )
        grants.append(
            Q(
                Exists(listed),
                signoff_role=SignoffRole.STAKEHOLDER,
                initiative__team_id__in=stakeholder_teams,
            )
        )
    return grants


def _was_dri(user: User) -> QuerySet[ActivityEvent]:
    """The audit events that made ``user`` the DRI of the outer item's initiative: its
    creation or a change of DRI (``Initiative.dri_history``, which SQLite cannot search)."""
    return ActivityEvent.objects.filter(
        initiative_id=OuterRef("initiative_id"),
        verb__in=("initiative.created", "initiative.updated", "initiative.risk_changed"),
        after__dri=user.pk,
    )


def _signoffs_waiting(
    user: User, teams: list[MyTeam]
) -> QuerySet[WithAnnotations[ChecklistItem, _Counted]] | None:
    """Open sign-off items the user may give in the teams they belong to; None when they can
    give none (no query needed). The roles and the teams where they are a stakeholder come
    with ``teams`` (see ``my_work``), so no join multiplies the rows and no DISTINCT is
    needed."""
    grants = _signoff_grants(user, teams)
    if not grants:
        return None
    return (
        ChecklistItem.objects.filter(
            reduce(operator.or_, grants),
            decidable_now(),
            required_at_risk(),
            status=ItemStatus.OPEN,
        )
        # The DRI cannot sign off their own initiative, nor can a former DRI
        # (permissions.signoff_refusal).
        .exclude(initiative__dri=user)
        .exclude(Exists(_was_dri(user)))
        .select_related("initiative__team")
        .only(
            "text",
            "kind",
            "signoff_role",
            "initiative__number",
            "initiative__title",
            "initiative__state_changed_at",
            "initiative__team__key",
        )
        .annotate(n_total=_total())
        # Grouped by initiative, the one waiting longest in its state first.
        .order_by(
            "initiative__state_changed_at",
            "initiative_id",
            "kind",
            "section_position",
            "position",
            "pk",
        )
    )


def decidable_now(prefix: str = "initiative__") -> Q:
    """Items of a gate that can be decided now: the gate the initiative works towards
    (``rules.workflow.next_gate``) or one it has passed (``passed_gates``: a reopened item is
    decided again there). Never of a paused, done or cancelled initiative: the DoD of an
    initiative still in discovery is not the reviewer's business yet."""
    by_kind: dict[str, list[str]] = {}
    for state in OPEN_STATES:
        if state == State.PAUSED:
            continue
        gates = {next_gate(state), *passed_gates(state)} - {None}
        for gate in gates:
            by_kind.setdefault(str(gate), []).append(state)
    return reduce(
        operator.or_,
        (Q(kind=kind, **{f"{prefix}state__in": states}) for kind, states in by_kind.items()),
    )


def required_at_risk(prefix: str = "initiative__") -> Q:
    """Items required at the initiative's security risk (``rules.checklists.is_required`` at
    ``Facts.scaling_risk``, the stricter of the current and the signed level): an optional
    item (the DoD security approval of a low-risk initiative) waits for nobody. The levels
    where a risk-scaled item is optional are read off the rule itself."""
    optional = [
        Q(**{f"{prefix}security_risk": now, f"{prefix}security_risk_signed": signed})
        for now in RISK_RANK
        for signed in RISK_RANK
        if not is_required(_RISK_SCALED, stricter_risk(now, signed))
    ]
    relaxed = reduce(operator.or_, optional) if optional else Q(pk__in=[])
    return Q(required=True) & (Q(risk_scaled=False) | ~relaxed)


@dataclass(frozen=True, slots=True)
class _RiskScaledItem:
    """A required risk-scaled item, to ask ``is_required`` at a risk level."""

    required: bool = True
    risk_scaled: bool = True


_RISK_SCALED: Any = _RiskScaledItem()


def _signoffs(user: User, teams: list[MyTeam], offset: int, limit: int) -> Section[SignoffWaiting]:
    queryset = _signoffs_waiting(user, teams)
    if queryset is None:
        return Section(name="signoffs", rows=[], total=0, offset=offset, page_size=limit)
    items = list(queryset[offset : offset + limit])
    detail_url = _url_for("initiative-detail")
    rows = [
        SignoffWaiting(
            pk=item.pk,
            initiative_id=item.initiative_id,
            key=item.initiative.key,
            url=f"{detail_url(item.initiative.key)}#item-{item.pk}",
            text=item.text,
            kind=item.kind,
            kind_label=item.get_kind_display(),
            role_label=item.get_signoff_role_display(),
            title=item.initiative.title,
            waiting_since=item.initiative.state_changed_at,
        )
        for item in items
    ]
    total = _section_total(items[0].n_total if items else None, queryset, offset)
    return Section(name="signoffs", rows=rows, total=total, offset=offset, page_size=limit)


# --- Tasks assigned --------------------------------------------------------------------------

OPEN_TASK_STATES = [state for state in TaskState if state not in CLOSED_TASK_STATES]
_TASK_STATE_RANK = Case(
    When(state=TaskState.IN_PROGRESS, then=Value(0)),
    When(state=TaskState.IN_REVIEW, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _tasks(user: User, teams: list[MyTeam], offset: int, limit: int) -> Section[MyTask]:
    """Open tasks assigned to ``user``: those of the milestone due first, then what is under
    way before what is still to do."""
    # Written so that the plan starts from the (assignee, state) index whatever the table
    # statistics, and reads only the columns the page shows: the window count carries every
    # matching row through the sort.
    visible = Initiative.objects.filter(team_id__in=[t.team.pk for t in teams]).exclude(
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
    tasks = list(queryset[offset : offset + limit])
    detail_url = _url_for("initiative-detail")
    rows = [
        MyTask(
            pk=task.pk,
            key=task.initiative.key,
            url=f"{detail_url(task.initiative.key)}#task-{task.pk}",
            title=task.title,
            state=task.state,
            state_label=task.get_state_display(),
            milestone_title=task.milestone.title if task.milestone else "",
        )
        for task in tasks
    ]
    total = _section_total(tasks[0].n_total if tasks else None, queryset, offset)
    return Section(name="tasks", rows=rows, total=total, offset=offset, page_size=limit)


# --- Milestones due --------------------------------------------------------------------------


def _due_label(due: dt.date, overdue: bool, today: dt.date) -> str:
    if overdue:
        return f"Overdue · {day_label(due, today)}"
    return f"Due {day_label(due, today, 'D j M')}"


def _milestones(
    user: User, teams: list[MyTeam], today: dt.date, offset: int, limit: int
) -> Section[MilestoneDue]:
    """Open milestones of initiatives ``user`` drives or works on that are overdue or due
    soon (``rules.workflow.due_status``) on their team's date, the most overdue first."""
    member = Initiative.members.through.objects.filter(
        initiative_id=OuterRef("initiative_id"), user_id=user.pk
    )
    # "Overdue" is before the team's today, in the team's time zone (``rules.dates``).
    days = {t.team.pk: team_today(t.team.tz) for t in teams}
    due_soon = reduce(
        operator.or_,
        (Q(initiative__team_id=pk, due_date__lte=due_soon_until(d)) for pk, d in days.items()),
        Q(pk__in=[]),
    )
    late = reduce(
        operator.or_,
        (Q(initiative__team_id=pk, due_date__lt=d) for pk, d in days.items()),
        Q(pk__in=[]),
    )
    queryset = (
        Milestone.objects.filter(
            due_soon,
            Q(initiative__dri=user) | Q(Exists(member)),
            state__in=OPEN_MILESTONE_STATES,
        )
        .exclude(initiative__state=State.CANCELLED)
        .select_related("initiative__team")
        .only("title", "due_date", "initiative__number", "initiative__team__key")
        .annotate(
            n_total=_total(),
            n_overdue=Window(Count("pk", filter=late)),
        )
        .order_by("due_date", "pk")
    )
    milestones = list(queryset[offset : offset + limit])
    detail_url = _url_for("initiative-detail")
    rows = []
    for ms in milestones:
        overdue = due_status(ms.due_date, days[ms.initiative.team_id]) == "overdue"
        rows.append(
            MilestoneDue(
                pk=ms.pk,
                key=ms.initiative.key,
                url=f"{detail_url(ms.initiative.key)}#milestone-{ms.pk}",
                title=ms.title,
                due_date=ms.due_date,
                overdue=overdue,
                due_label=_due_label(ms.due_date, overdue, days[ms.initiative.team_id]),
            )
        )
    first = milestones[0] if milestones else None
    return Section(
        name="milestones",
        rows=rows,
        total=_section_total(first.n_total if first else None, queryset, offset),
        offset=offset,
        page_size=limit,
        counts={"overdue": first.n_overdue if first else 0},
    )


# --- The page --------------------------------------------------------------------------------


def _my_teams(user: User) -> list[MyTeam]:
    """The user's teams with their role, and whether they are a stakeholder of an open
    initiative there: one query."""
    stakeholder = Initiative.stakeholders.through.objects.filter(
        user_id=user.pk,
        initiative__team_id=OuterRef("team_id"),
        initiative__state__in=OPEN_STATES,
    )
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("team")
        .annotate(stakeholder=Exists(stakeholder))
        .order_by("team__key")
    )
    return [MyTeam(team=m.team, role=m.role, stakeholder=m.stakeholder) for m in memberships]


def my_work(user: User, *, section: str = "", page: int = 1) -> MyWork:
    """The overview (``section`` empty): every section capped at OVERVIEW_CAPS with its total;
    or one ``section`` in full, PAGE_SIZE rows per ``page``. At most six queries: memberships,
    DRI rows and their checklists, sign-offs, tasks, milestones."""
    today = timezone.localdate()
    teams = _my_teams(user)
    section = section if section in SECTIONS else ""
    page = min(max(page, 1), MAX_PAGE) if section else 1

    def window(name: str) -> tuple[int, int] | None:
        if not section:
            return 0, OVERVIEW_CAPS[name]
        if section == name:
            return (page - 1) * PAGE_SIZE, PAGE_SIZE
        return None

    def load(name: str, build: Callable[[int, int], Section[R]]) -> Section[R] | None:
        bounds = window(name)
        if bounds is None:
            return None
        result = build(*bounds)
        result.page = page
        return result

    return MyWork(
        teams=teams,
        initiatives=load("initiatives", lambda o, n: _initiatives(user, teams, o, n)),
        signoffs=load("signoffs", lambda o, n: _signoffs(user, teams, o, n)),
        tasks=load("tasks", lambda o, n: _tasks(user, teams, o, n)),
        milestones=load("milestones", lambda o, n: _milestones(user, teams, today, o, n)),
        section=section,
        today=today,
    )
