"""Portfolio reads shared by the EM dashboard (``selectors.dashboard``) and the weekly digest.

Every function takes the ids of the teams to look at and runs a fixed number of queries
whatever the number of initiatives (the count is in each docstring). Rows come back with what
their callers render already joined (team, DRI, initiative), so templates add no queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q
from django.utils import timezone

from initiatives.models import ActivityEvent, Initiative, Milestone, State, Team
from initiatives.models.initiative import ACTIVE_STATES
from initiatives.rules.workflow import iso_week
from initiatives.selectors.initiatives import OPEN_MILESTONE_STATES, gates_for, list_initiatives

# The gate each waiting state must pass, and the attribute of ``Gates`` that evaluates it.
GATED_STATES = {State.SCOPING: "ready", State.IN_DELIVERY: "done"}
OVERRIDE_AND_WAIVER_VERBS = ("initiative.gate_overridden", "checklist_item.waived")


def teams_for(user, key: str | None = None) -> list[Team]:
    """The teams ``user`` belongs to (only ``key`` if given), each with ``role``: the user's
    role in it. One query."""
    teams = Team.objects.filter(memberships__user=user).annotate(role=F("memberships__role"))
    if key is not None:
        teams = teams.filter(key=key)
    return list(teams.order_by("key"))


def missing_updates(team_ids: Iterable[int], *, now: dt.datetime) -> list[Initiative]:
    """Active initiatives with no status update for the current ISO week in their team's time
    zone, ordered by team and number. One query."""
    rows = (
        Initiative.objects.filter(team_id__in=list(team_ids), state__in=ACTIVE_STATES)
        .select_related("team", "dri")
        .order_by("team__key", "number")
    )
    return missing_updates_among(rows, now=now)


def missing_updates_among(rows: Iterable[Initiative], *, now: dt.datetime) -> list[Initiative]:
    """``missing_updates`` over initiatives already loaded (team joined); no query. Each
    missing one gets ``current_week``."""
    missing = []
    weeks: dict[int, str] = {}
    for row in rows:
        if row.state not in ACTIVE_STATES:
            continue
        week = weeks.get(row.team_id)
        if week is None:
            week = weeks[row.team_id] = iso_week(timezone.localtime(now, row.team.tz).date())
        if row.last_update_week < week:
            row.current_week = week  # type: ignore[attr-defined]
            missing.append(row)
    return missing


def milestones_due(
    team_ids: Iterable[int], *, today: dt.date, within_days: int = 14
) -> list[Milestone]:
    """Open (planned or in progress) milestones of live initiatives that are overdue or due
    within ``within_days`` of ``today``, soonest first. Each has ``overdue``, ``slip_count``
    and ``slip_days`` (net days the date moved since it was first planned: the slips telescope
    to ``due_date - original_due_date``), with its initiative, team and DRI joined. One query."""
    rows = (
        Milestone.objects.filter(
            initiative__team_id__in=list(team_ids),
            state__in=OPEN_MILESTONE_STATES,
            due_date__lte=today + dt.timedelta(days=within_days),
        )
        .exclude(initiative__state__in=(State.DONE, State.CANCELLED))
        .select_related("initiative__team", "initiative__dri")
        .annotate(slip_count=Count("slips"))
        .order_by("due_date", "initiative__team__key", "initiative__number", "pk")
    )
    return _mark_due(list(rows), today)


def milestones_due_among(
    milestones: Iterable[Milestone],
    initiatives: dict[int, Initiative],
    slip_counts: dict[int, int],
    *,
    today: dt.date,
    within_days: int = 14,
) -> list[Milestone]:
    """``milestones_due`` over milestones, their initiatives (team and DRI joined) and slip
    counts already loaded; no query."""
    due = []
    for milestone in milestones:
        initiative = initiatives[milestone.initiative_id]
        if (
            milestone.state in OPEN_MILESTONE_STATES
            and milestone.due_date <= today + dt.timedelta(days=within_days)
            and initiative.state not in (State.DONE, State.CANCELLED)
        ):
            milestone.initiative = initiative
            milestone.slip_count = slip_counts.get(milestone.pk, 0)  # type: ignore[attr-defined]
            due.append(milestone)
    due.sort(key=lambda m: (m.due_date, m.initiative.team.key, m.initiative.number, m.pk))
    return _mark_due(due, today)


def _mark_due(milestones: list[Milestone], today: dt.date) -> list[Milestone]:
    for milestone in milestones:
        milestone.overdue = milestone.due_date < today  # type: ignore[attr-defined]
        milestone.slip_days = (  # type: ignore[attr-defined]
            milestone.due_date - milestone.original_due_date
        ).days
    return milestones


def gate_waits(team_ids: Iterable[int]) -> list[Initiative]:
    """Initiatives in scoping (waiting at the DoR) or in delivery (at the DoD) whose gate is
    not met, each with ``gate`` (a ``GateResult``; its ``missing`` items carry
    ``signoff_role``), ``pending_signoffs`` (the roles whose sign-off is missing) and
    ``waiting_since`` (when it entered the state). Longest waiting first. Three queries."""
    queryset = Initiative.objects.filter(
        team_id__in=list(team_ids), state__in=list(GATED_STATES)
    ).order_by("state_changed_at", "pk")
    return waiting_at_gates(list_initiatives(queryset))


def waiting_at_gates(rows: Iterable[Initiative]) -> list[Initiative]:
    """``gate_waits`` over rows already loaded by ``list_initiatives``: the rows whose stored
    progress says their gate is not met are evaluated in full (two queries)."""
    candidates = [
        row
        for row in rows
        if row.state in GATED_STATES and not getattr(row.gates, GATED_STATES[row.state]).met
    ]
    evaluated = gates_for(row.pk for row in candidates)
    waiting = []
    for row in candidates:
        gate = getattr(evaluated[row.pk], GATED_STATES[row.state])
        if gate.met:
            continue
        row.gate = gate
        row.pending_signoffs = sorted(
            {item["signoff_role"] for item in gate.missing if item["signoff_role"]}
        )
        row.waiting_since = row.state_changed_at
        waiting.append(row)
    return sorted(waiting, key=lambda r: (r.waiting_since, r.pk))


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
