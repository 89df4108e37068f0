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
from typing import Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Q
from django.utils import timezone

from initiatives.models import (
    ActivityEvent,
    ChecklistKind,
    Initiative,
    Milestone,
    State,
    Team,
)
from initiatives.models.initiative import ACTIVE_STATES
from initiatives.rules.checklists import GateProgress, GateResult
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
OVERRIDE_AND_WAIVER_VERBS = ("initiative.gate_overridden", "checklist_item.waived")
# Milestones of these initiatives are no longer due: the work ended.
ENDED_STATES = (State.DONE, State.CANCELLED)


# --- Teams -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberTeam:
    """A team the user belongs to, with the user's role in it."""

    team: Team
    role: str


def member_teams(
    user: AbstractBaseUser | AnonymousUser, key: str | None = None
) -> list[MemberTeam]:
    """The teams ``user`` belongs to (only ``key`` if given), by key, with the user's role in
    each. One query."""
    # Filtered and annotated through the same join: ``role`` is this user's membership's.
    teams = Team.objects.filter(memberships__user=user.pk).annotate(role=F("memberships__role"))
    if key is not None:
        teams = teams.filter(key=key)
    return [MemberTeam(team, team.role) for team in teams.order_by("key")]


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


# --- Milestones due --------------------------------------------------------------------------


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
    (``rules.workflow.due_status``), with its initiative (team and DRI joined)."""

    pk: int
    title: str
    state: str
    due_date: dt.date
    original_due_date: dt.date
    initiative: Initiative
    status: str  # "overdue" or "due_soon"
    slip_count: int

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def slip_days(self) -> int:
        """Net days the date moved since it was first planned: the slips telescope to
        ``due_date - original_due_date``."""
        return (self.due_date - self.original_due_date).days


def milestones_due(team_ids: Iterable[int], *, today: dt.date) -> list[DueMilestone]:
    """Open (planned or in progress) milestones of live initiatives that are overdue or due
    soon on ``today``, soonest first, with their slip counts. One query."""
    rows = list(
        Milestone.objects.filter(
            initiative__team_id__in=list(team_ids),
            state__in=OPEN_MILESTONE_STATES,
            due_date__lte=due_soon_until(today),
        )
        .exclude(initiative__state__in=ENDED_STATES)
        .select_related("initiative__team", "initiative__dri")
        .annotate(slip_count=Count("slips"))
    )
    return milestones_due_among(
        rows,
        {m.initiative_id: m.initiative for m in rows},
        {m.pk: m.slip_count for m in rows},
        today=today,
    )


def milestones_due_among(
    milestones: Iterable[MilestoneDates],
    initiatives: Mapping[int, Initiative],
    slip_counts: Mapping[int, int],
    *,
    today: dt.date,
) -> list[DueMilestone]:
    """``milestones_due`` over milestones, their initiatives (team and DRI joined) and slip
    counts already loaded; no query."""
    due = []
    for milestone in milestones:
        initiative = initiatives[milestone.initiative_id]
        if milestone.state not in OPEN_MILESTONE_STATES or initiative.state in ENDED_STATES:
            continue
        status = due_status(milestone.due_date, today)
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
                    slip_count=slip_counts.get(milestone.pk, 0),
                )
            )
    due.sort(key=lambda m: (m.due_date, m.initiative.team.key, m.initiative.number, m.pk))
    return due


# --- Waiting at a gate -----------------------------------------------------------------------


def gate_of(gates: Gates, kind: str) -> GateResult | GateProgress:
    """The DoR (``ready``) or the DoD (``done``) of ``gates``."""
    return gates.ready if kind == ChecklistKind.READY else gates.done


def unmet_gate(row: InitiativeRow) -> str | None:
    """The gate ``row`` waits at by its stored progress (``rules.workflow.blocking_gate``,
    not met), or None. No query."""
    gate = GATED_STATES.get(row.state)
    return gate if gate and not gate_of(row.gates, gate).met else None


@dataclass(frozen=True, slots=True)
class GateWait:
    """An initiative waiting at a gate: the gate evaluated in full (its ``missing`` items
    carry ``signoff_role``), the roles whose sign-off is missing, and since when (it entered
    the state)."""

    row: InitiativeRow
    gate: GateResult
    pending_signoffs: list[str]

    @property
    def waiting_since(self) -> dt.datetime:
        return self.row.state_changed_at


def gate_waits(team_ids: Iterable[int]) -> list[GateWait]:
    """Initiatives in scoping (waiting at the DoR) or in delivery (at the DoD) whose gate is
    not met, longest waiting first. Three queries."""
    queryset = Initiative.objects.filter(
        team_id__in=list(team_ids), state__in=list(GATED_STATES)
    ).order_by("state_changed_at", "pk")
    return waiting_at_gates(list_initiatives(queryset))


def waiting_at_gates(rows: Iterable[InitiativeRow]) -> list[GateWait]:
    """``gate_waits`` over rows already loaded by ``list_initiatives``: the rows whose stored
    progress says their gate is not met are evaluated in full (two queries)."""
    candidates = [(row, kind) for row in rows if (kind := unmet_gate(row))]
    evaluated = gates_for(row.pk for row, _ in candidates)
    waiting: list[GateWait] = []
    for row, kind in candidates:
        gate = gate_of(evaluated[row.pk], kind)
        # gates_for evaluates in full (a GateResult); the stored progress may have been behind.
        if not isinstance(gate, GateResult) or gate.met:
            continue
        signoffs = {item["signoff_role"] for item in gate.missing if item["signoff_role"]}
        waiting.append(GateWait(row, gate, sorted(signoffs)))
    return sorted(waiting, key=lambda w: (w.waiting_since, w.row.pk))


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
