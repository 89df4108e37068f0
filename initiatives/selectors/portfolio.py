"""Portfolio reads shared by the EM dashboard (``dashboard.summary``) and the weekly digest.

Every function takes the ids of the teams to look at (or rows already loaded) and runs a fixed
number of queries whatever the number of initiatives (the count is in each docstring). What
they find comes back as typed rows of this module (``MemberTeam``, ``MissingUpdate``,
``DueMilestone``, ``GateWait``) holding the models with what their callers render already
joined (team, DRI, initiative), so templates add no queries. The rules behind them (due soon,
the gate an initiative waits at, worst health first) are ``rules.workflow``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.utils import timezone

from initiatives.compiled import CompiledRead
from initiatives.models import (
    ActivityEvent,
    ChecklistKind,
    Initiative,
    Milestone,
    MilestoneState,
    State,
    Team,
)
from initiatives.models.initiative import ACTIVE_STATES
from initiatives.rules.checklists import GateProgress, GateResult
from initiatives.rules.dates import DateMoves, team_today
from initiatives.rules.workflow import (
    blocking_gate,
    due_soon_until,
    due_status,
    health_rank,
    iso_week,
)
from initiatives.selectors.initiatives import (
    OPEN_MILESTONE_STATES,
    Gates,
    InitiativeRow,
    gates_for,
    list_initiatives,
)

# The states an initiative waits at a gate in, each with that gate (a ChecklistKind).
GATED_STATES: dict[str, str] = {
    state: gate for state in State.values if (gate := blocking_gate(state)) is not None
}
# Decisions that let an initiative past what a gate asks: overrides, waivers, and changes of
# a security risk level after it was signed off (``services.initiatives._decide_risk``).
OVERRIDE_AND_WAIVER_VERBS = (
    "initiative.gate_overridden",
    "checklist_item.waived",
    "initiative.risk_changed",
)
DECISION_KIND = {"initiative.gate_overridden": "override", "initiative.risk_changed": "risk change"}
# Milestones of these initiatives are no longer due: the work ended.
ENDED_STATES = (State.DONE, State.CANCELLED)
# The annotation (an ``extra`` of ``list_initiatives``) saying since when an initiative is
# ready to be closed: see ``closable_since``.
CLOSABLE_AT = "closable_at"


# --- Teams -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberTeam:
    """A team the user belongs to, with the user's role in it."""

    team: Team
    role: str


def _teams_of(user_id: int) -> QuerySet[Team]:
    # Filtered and annotated through the same join: ``role`` is this user's membership's.
    return (
        Team.objects.filter(memberships__user=user_id)
        .annotate(role=F("memberships__role"))
        .order_by("key")
    )


# Built once per process (initiatives.compiled): every dashboard view reads one of them.
_ALL_TEAMS: CompiledRead[Team] = CompiledRead(_teams_of, user_id=int)
_ONE_TEAM: CompiledRead[Team] = CompiledRead(
    lambda user_id, key: _teams_of(user_id).filter(key=key), user_id=int, key=str
)


def member_teams(
    user: AbstractBaseUser | AnonymousUser, key: str | None = None
) -> list[MemberTeam]:
    """The teams ``user`` belongs to (only ``key`` if given), by key, with the user's role in
    each. One query."""
    if user.pk is None:
        return []
    if key is None:
        teams = _ALL_TEAMS.rows(user_id=user.pk)
    else:
        teams = _ONE_TEAM.rows(user_id=user.pk, key=key)
    return [MemberTeam(team, getattr(team, "role", "")) for team in teams]


def teams_for(user: AbstractBaseUser | AnonymousUser, key: str | None = None) -> list[Team]:
    """The teams ``user`` belongs to (only ``key`` if given), by key. One query."""
    return [m.team for m in member_teams(user, key)]


# --- Worst first -----------------------------------------------------------------------------


def worst_first(health: str, row: InitiativeRow) -> tuple[int, str, int]:
    """The sort key of every portfolio list shown "by health" (the digest's initiatives, the
    dashboard's red and yellow): ``rules.workflow.health_rank`` of ``health`` (red first, no
    update last), then team and number."""
    return (health_rank(health), row.team.key, row.number)


# --- Missing updates -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MissingUpdate:
    """An active initiative with no status update for ``week``, its team's current week."""

    initiative: Initiative
    week: str


def missing_updates(team_ids: Iterable[int], *, now: dt.datetime) -> list[MissingUpdate]:
    """Active initiatives with no status update for the current ISO week in their team's time
    zone, ordered by team and number. One query."""
    rows = (
        Initiative.objects.filter(team_id__in=list(team_ids), state__in=ACTIVE_STATES)
        .select_related("team", "dri")
        .order_by("team__key", "number")
    )
    return missing_updates_among(rows, now=now)


def missing_updates_among(
    initiatives: Iterable[Initiative], *, now: dt.datetime
) -> list[MissingUpdate]:
    """``missing_updates`` over initiatives already loaded (team joined); no query."""
    missing = []
    weeks: dict[int, str] = {}
    for initiative in initiatives:
        if initiative.state not in ACTIVE_STATES:
            continue
        week = weeks.get(initiative.team_id)
        if week is None:
            local = timezone.localtime(now, initiative.team.tz).date()
            week = weeks[initiative.team_id] = iso_week(local)
        if initiative.last_update_week < week:
            missing.append(MissingUpdate(initiative, week))
    return missing


# --- Milestones due ---------------------------------------------------------------------------
# "Overdue" is a due date before today in the milestone's team's time zone
# (``rules.dates.team_today``), on every page, in the digest and in the API.

Today = dt.date | Mapping[int, dt.date]  # one date, or per team id


def today_of(today: Today, team_id: int) -> dt.date:
    return today if isinstance(today, dt.date) else today[team_id]


def teams_today(teams: Iterable[Team], now: dt.datetime) -> dict[int, dt.date]:
    """Each team's date at ``now`` in its own time zone, by team id."""
    return {team.pk: team_today(team.tz, now) for team in teams}


# The date moves that count (``rules.dates``), in SQL over a milestone's ``slips``: changes
# recorded once the milestone had started, later (slips) or earlier (pull-ins).
_AFTER_START = Q(slips__created_at__gte=F("started_at"))
SLIP_Q = _AFTER_START & Q(slips__new_date__gt=F("slips__old_date"))
PULL_IN_Q = _AFTER_START & Q(slips__new_date__lt=F("slips__old_date"))


def date_move_annotations() -> dict[str, Any]:
    """Annotations of a Milestone queryset counting and summing its slips and pull-ins
    (read them back with ``moves_of``)."""
    return {
        "n_slips": Count("slips", filter=SLIP_Q),
        "slip_total": Sum(F("slips__new_date") - F("slips__old_date"), filter=SLIP_Q),
        "n_pull_ins": Count("slips", filter=PULL_IN_Q),
        "pull_in_total": Sum(F("slips__old_date") - F("slips__new_date"), filter=PULL_IN_Q),
    }


def as_days(total: dt.timedelta | int | None) -> int:
    """A sum of date differences: a timedelta on PostgreSQL, microseconds on SQLite."""
    if isinstance(total, dt.timedelta):
        return total.days
    return int(total or 0) // 86_400_000_000


def moves_of(values: Any) -> DateMoves:
    """The ``DateMoves`` of a row annotated with ``date_move_annotations`` (an object or a
    ``values()`` dict)."""

    def get(name: str) -> Any:
        return values[name] if isinstance(values, Mapping) else getattr(values, name)

    return DateMoves(
        slips=get("n_slips"),
        slip_days=as_days(get("slip_total")),
        pull_ins=get("n_pull_ins"),
        pull_in_days=as_days(get("pull_in_total")),
    )


class MilestoneDates(Protocol):
    """What deciding whether a milestone is due needs: a ``Milestone``, or a row of a
    caller's own with these columns."""

    @property
    def pk(self) -> int: ...
    @property
    def initiative_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def due_date(self) -> dt.date: ...
    @property
    def original_due_date(self) -> dt.date: ...


@dataclass(frozen=True, slots=True)
class DueMilestone:
    """An open milestone of a live initiative that is overdue or due soon
    (``rules.workflow.due_status`` on its team's today), with its initiative (team and DRI
    joined) and its slips and pull-ins (``rules.dates``)."""

    pk: int
    title: str
    state: str
    due_date: dt.date
    original_due_date: dt.date
    initiative: Initiative
    status: str  # "overdue" or "due_soon"
    moves: DateMoves
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def slip_count(self) -> int:
        return self.moves.slips

    @property
    def slip_days(self) -> int:
        return self.moves.slip_days

    @property
    def pull_in_count(self) -> int:
        return self.moves.pull_ins

    @property
    def pull_in_days(self) -> int:
        return self.moves.pull_in_days

    @property
    def net_days(self) -> int:
        return self.moves.net_days

    @property
    def committed_date(self) -> dt.date:
        """The delivery date when the milestone started (before its slips and pull-ins)."""
        return self.due_date - dt.timedelta(days=self.moves.net_days)


def milestones_due(
    team_ids: Iterable[int], *, today: Today, created_before: dt.datetime | None = None
) -> list[DueMilestone]:
    """Open (planned or in progress) milestones of live initiatives that are overdue or due
    soon on ``today`` (a date, or each team's), soonest first, with their slips and pull-ins;
    only those planned before ``created_before`` if given. One query."""
    team_ids = list(team_ids)
    latest = max([today] if isinstance(today, dt.date) else [*today.values(), dt.date.min])
    queryset = (
        Milestone.objects.filter(
            initiative__team_id__in=team_ids,
            state__in=OPEN_MILESTONE_STATES,
            due_date__lte=due_soon_until(latest),
        )
        .exclude(initiative__state__in=ENDED_STATES)
        .select_related("initiative__team", "initiative__dri")
        .annotate(**date_move_annotations())
    )
    if created_before is not None:
        queryset = queryset.filter(created_at__lt=created_before)
    rows = list(queryset)
    return milestones_due_among(
        rows,
        {m.initiative_id: m.initiative for m in rows},
        {m.pk: moves_of(m) for m in rows},
        today=today,
    )


def milestones_due_among(
    milestones: Iterable[MilestoneDates],
    initiatives: Mapping[int, Initiative],
    moves: Mapping[int, DateMoves],
    *,
    today: Today,
) -> list[DueMilestone]:
    """``milestones_due`` over milestones, their initiatives (team and DRI joined) and date
    moves already loaded; no query."""
    due = []
    for milestone in milestones:
        initiative = initiatives[milestone.initiative_id]
        if milestone.state not in OPEN_MILESTONE_STATES or initiative.state in ENDED_STATES:
            continue
        day = today_of(today, initiative.team_id)
        status = due_status(milestone.due_date, day)
        if status:
            due.append(
                DueMilestone(
                    pk=milestone.pk,
                    title=milestone.title,
                    state=milestone.state,
                    due_date=milestone.due_date,
                    original_due_date=milestone.original_due_date,
                    initiative=initiative,
                    status=status,
                    moves=moves.get(milestone.pk, DateMoves()),
                    days_left=(milestone.due_date - day).days,
                )
            )
    due.sort(key=lambda m: (m.due_date, m.initiative.team.key, m.initiative.number, m.pk))
    return due


# --- Waiting at a gate ---------------------------------------------------------------------
# An initiative waits at the DoR from entering scoping until it is ready, and at the DoD from
# the first moment it is ready to be closed -- every milestone complete -- not from entering
# delivery: until then it is delivering, not waiting. (A refused "done" is not recorded, so it
# cannot start the wait.)


def closable_since() -> dict[str, Any]:
    """The ``CLOSABLE_AT`` annotation of an Initiative queryset: when its last milestone was
    completed, once it has milestones and every one not cancelled is complete; None
    otherwise."""
    milestones = Milestone.objects.filter(initiative=OuterRef("pk")).exclude(
        state=MilestoneState.CANCELLED
    )
    last_completed = (
        milestones.order_by().values("initiative").annotate(last=Max("completed_at")).values("last")
    )
    still_open = milestones.filter(state__in=OPEN_MILESTONE_STATES)
    return {
        CLOSABLE_AT: Case(
            When(Exists(still_open), then=None),
            default=Subquery(last_completed),
        )
    }


def gate_of(gates: Gates, kind: str) -> GateResult | GateProgress:
    """The DoR (``ready``) or the DoD (``done``) of ``gates``."""
    return gates.ready if kind == ChecklistKind.READY else gates.done


def waiting_since(row: InitiativeRow) -> dt.datetime | None:
    """Since when ``row`` waits at the gate of its state (``rules.workflow.blocking_gate``),
    by the clock alone (whether the gate is met is not looked at): from entering scoping for
    the DoR; for the DoD from when it became ready to be closed (``CLOSABLE_AT``, which the
    row must carry), None while a milestone is open. No query."""
    gate = GATED_STATES.get(row.state)
    if gate == ChecklistKind.READY:
        return row.state_changed_at
    closable = row.extra.get(CLOSABLE_AT) if gate else None
    return max(closable, row.state_changed_at) if closable else None


def unmet_gate(row: InitiativeRow) -> str | None:
    """The gate ``row`` waits at now (``waiting_since``) by its stored progress, not met; or
    None. No query."""
    gate = GATED_STATES.get(row.state)
    if not gate or gate_of(row.gates, gate).met or waiting_since(row) is None:
        return None
    return gate


def gate_wait_days(
    left: dt.datetime, entered: dt.datetime, gate: str, closable: dt.datetime | None
) -> float:
    """How long a stint at ``gate`` from ``entered`` to ``left`` (passing it) waited: all of
    it at the DoR; at the DoD from when the initiative was ready to be closed (the stint's
    end, no wait, when it never was within it)."""
    start = entered
    if gate == ChecklistKind.DONE:
        start = min(max(closable, entered), left) if closable else left
    return round((left - start).total_seconds() / 86400, 1)


@dataclass(frozen=True, slots=True)
class GateWait:
    """An initiative waiting at a gate: the gate evaluated in full (its ``missing`` items
    carry ``signoff_role``), the roles whose sign-off is missing, and since when
    (``waiting_since``)."""

    row: InitiativeRow
    gate: GateResult
    pending_signoffs: list[str]
    since: dt.datetime

    @property
    def waiting_since(self) -> dt.datetime:
        return self.since


def gate_waits(team_ids: Iterable[int]) -> list[GateWait]:
    """Initiatives in scoping (waiting at the DoR) or ready to be closed in delivery (at the
    DoD) whose gate is not met, longest waiting first. Three queries."""
    queryset = (
        Initiative.objects.filter(team_id__in=list(team_ids), state__in=list(GATED_STATES))
        .annotate(**closable_since())
        .order_by("state_changed_at", "pk")
    )
    return waiting_at_gates(list_initiatives(queryset, extra=[CLOSABLE_AT]))


def waiting_at_gates(rows: Iterable[InitiativeRow]) -> list[GateWait]:
    """``gate_waits`` over rows already loaded by ``list_initiatives`` with ``CLOSABLE_AT``:
    the rows whose stored progress says their gate is not met are evaluated in full (two
    queries)."""
    candidates = [(row, kind) for row in rows if (kind := unmet_gate(row))]
    evaluated = gates_for(row.pk for row, _ in candidates)
    waiting: list[GateWait] = []
    for row, kind in candidates:
        gate = gate_of(evaluated[row.pk], kind)
        since = waiting_since(row)
        # gates_for evaluates in full (a GateResult); the stored progress may have been behind.
        if not isinstance(gate, GateResult) or gate.met or since is None:
            continue
        signoffs = {item["signoff_role"] for item in gate.missing if item["signoff_role"]}
        waiting.append(GateWait(row, gate, sorted(signoffs), since))
    return sorted(waiting, key=lambda w: (w.since, w.row.pk))


# --- The week's events -----------------------------------------------------------------------


def overrides_and_waivers(
    team_ids: Iterable[int], *, since: dt.datetime, until: dt.datetime
) -> list[ActivityEvent]:
    """Gate overrides and checklist waivers recorded in [since, until), newest first, with
    initiative, team and actor joined. One query."""
    return list(
        ActivityEvent.objects.filter(
            team_id__in=list(team_ids),
            verb__in=OVERRIDE_AND_WAIVER_VERBS,
            created_at__gte=since,
            created_at__lt=until,
        ).select_related("initiative__team", "actor", "team")
    )


def finished(
    team_ids: Iterable[int], *, since: dt.datetime, until: dt.datetime
) -> list[Initiative]:
    """Initiatives that moved to done in [since, until) and are still done, most recent
    first, with team and DRI joined. One query."""
    return list(
        Initiative.objects.filter(
            Q(state_changed_at__gte=since) & Q(state_changed_at__lt=until),
            team_id__in=list(team_ids),
            state=State.DONE,
        )
        .select_related("team", "dri")
        .order_by("-state_changed_at", "pk")
    )
