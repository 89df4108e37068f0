"""The dashboard's figures about where things stand: the "now" section (states, health, missing
updates, gate waits, overrides), dates (milestones due, slips, the timeline) and drift (on-track
initiatives with evidence otherwise). Each function takes rows already loaded by
``dashboard.portfolio_summary``, keeps the first ``limit`` rows of each list (worst first) and
records the full count in ``totals``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q

from initiatives.dashboard.common import (
    CHART_ROWS,
    DRIFT_DAYS,
    HEALTHS,
    OVERRIDES_WINDOW_DAYS,
    RED_AND_YELLOW,
    TIMELINE_DAYS,
    TIMELINE_LOOKBACK_DAYS,
    TOP_N,
    Event,
    PersonRef,
    bounded,
    brief,
    days,
    initiative_url,
    person,
)
from initiatives.models import Milestone, State
from initiatives.models.initiative import ACTIVE_STATES
from initiatives.rules.dates import DateMoves
from initiatives.rules.workflow import due_status
from initiatives.selectors.initiatives import OPEN_MILESTONE_STATES, InitiativeRow
from initiatives.selectors.portfolio import (
    DECISION_KIND,
    OVERRIDE_AND_WAIVER_VERBS,
    SLIP_Q,
    Today,
    date_move_annotations,
    milestones_due_among,
    missing_updates_among,
    moves_of,
    today_of,
    unmet_gate,
    waiting_at_gates,
    waiting_since,
    worst_first,
)


def now_section(
    rows: list[InitiativeRow],
    events: list[Event],
    now: dt.datetime,
    limit: int | None,
    totals: dict[str, int],
) -> dict[str, Any]:
    active = [r for r in rows if r.state in ACTIVE_STATES]
    by_health = {h: sum(r.health == h for r in active) for h in HEALTHS}
    by_health["none"] = sum(not r.health for r in active)
    red_and_yellow = sorted(
        (r for r in active if r.health in RED_AND_YELLOW), key=lambda r: worst_first(r.health, r)
    )
    # Longest without an update first ("" -- never -- sorts first).
    missing = sorted(
        missing_updates_among((r.initiative for r in rows), now=now),
        key=lambda m: (m.initiative.last_update_week, m.initiative.team.key, m.initiative.number),
    )
    # Unmet gates from the stored progress; the full evaluation (missing items, pending
    # sign-offs) only for the rows shown. Longest waiting first.
    unmet = sorted((r for r in rows if unmet_gate(r)), key=lambda r: (waiting_since(r), r.pk))
    waiting = waiting_at_gates(bounded(unmet, limit))  # 2 queries
    since = now - dt.timedelta(days=OVERRIDES_WINDOW_DAYS)
    overrides = [
        e
        for e in reversed(events)
        if e["verb"] in OVERRIDE_AND_WAIVER_VERBS and since <= e["created_at"] < now
    ]
    by_id = {r.pk: r for r in rows}
    totals.update(
        red_and_yellow=len(red_and_yellow),
        missing_updates=len(missing),
        gate_waits=len(unmet),
        overrides_and_waivers=len(overrides),
    )
    return {
        "by_state": {s: sum(r.state == s for r in rows) for s in State.values},
        "by_health": by_health,
        "red_and_yellow": [
            {
                **brief(r),
                "risks": r.extra["latest_risks"] or "",
                "last_update_week": r.last_update_week,
            }
            for r in bounded(red_and_yellow, limit)
        ],
        "missing_updates": [
            {
                **brief(m.initiative),
                "week": m.week,
                "last_update_week": m.initiative.last_update_week,
            }
            for m in bounded(missing, limit)
        ],
        "gate_waits": [
            {
                **brief(w.row),
                "gate": w.gate.kind,
                "missing": len(w.gate.missing),
                "pending_signoffs": w.pending_signoffs,
                "percent": w.gate.percent,
                "waiting_since": w.since,
                "waiting_days": days(now - w.since),
            }
            for w in waiting
        ],
        "overrides_and_waivers": [
            {
                "when": e["created_at"],
                "verb": e["verb"],
                "kind": DECISION_KIND.get(e["verb"], "waiver"),
                "initiative": by_id[e["initiative_id"]].key if e["initiative_id"] else None,
                "initiative_url": (
                    initiative_url(by_id[e["initiative_id"]].key) if e["initiative_id"] else None
                ),
                "actor": person(
                    PersonRef(e["actor__username"], e["actor__first_name"], e["actor__last_name"])
                    if e["actor__username"]
                    else None
                ),
                "summary": e["summary"],
                "reason": e["reason"] or "",
            }
            for e in bounded(overrides, limit)
        ],
    }


@dataclass(frozen=True, slots=True)
class MilestoneFigures:
    """A milestone as the dates and drift sections read it: its dates, its slips and
    pull-ins (``rules.dates``) and its slips since the drift window opened (``recent_*``)."""

    pk: int
    initiative_id: int
    title: str
    state: str
    due_date: dt.date
    original_due_date: dt.date
    started_at: dt.datetime | None
    moves: DateMoves
    recent_count: int
    recent_old: dt.date | None
    recent_new: dt.date | None
    recent_at: dt.datetime | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_MILESTONE_STATES

    @property
    def slip_count(self) -> int:
        return self.moves.slips

    @property
    def moved(self) -> bool:
        return bool(self.moves.slips or self.moves.pull_ins)

    def is_overdue(self, today: dt.date) -> bool:
        """Open and overdue on ``today`` (``rules.workflow.due_status``)."""
        return self.is_open and due_status(self.due_date, today) == "overdue"


MILESTONE_COLUMNS = (
    "pk", "initiative_id", "title", "state", "due_date", "original_due_date", "started_at",
    "recent_count", "recent_old", "recent_new", "recent_at",
)  # fmt: skip


def load_milestones(
    team_ids: list[int], today: dt.date, recent: dt.datetime
) -> list[MilestoneFigures]:
    """The milestones the sections read, of initiatives not cancelled, soonest first: open
    ones due before the end of the timeline, and every one that slipped or was pulled in,
    with those moves summed (and the slips since ``recent``). One query."""
    end = today + dt.timedelta(days=TIMELINE_DAYS)
    is_recent = SLIP_Q & Q(slips__created_at__gte=recent)
    queryset = (
        Milestone.objects.filter(initiative__team_id__in=team_ids)
        .exclude(initiative__state=State.CANCELLED)
        .annotate(
            **date_move_annotations(),
            recent_count=Count("slips", filter=is_recent),
            recent_old=Min("slips__old_date", filter=is_recent),
            recent_new=Max("slips__new_date", filter=is_recent),
            recent_at=Max("slips__created_at", filter=is_recent),
        )
        .filter(
            Q(state__in=OPEN_MILESTONE_STATES, due_date__lte=end)
            | Q(n_slips__gt=0)
            | Q(n_pull_ins__gt=0)
        )
        .order_by("due_date", "position", "pk")
        .values(*MILESTONE_COLUMNS, "n_slips", "slip_total", "n_pull_ins", "pull_in_total")
    )
    return [
        MilestoneFigures(
            **{name: values[name] for name in MILESTONE_COLUMNS}, moves=moves_of(values)
        )
        for values in queryset
    ]


def moves_figures(moves: DateMoves) -> dict[str, int]:
    """Slips and pull-ins as the dashboard and the API show them: apart, and the net drift."""
    return {
        "slip_count": moves.slips,
        "slip_days": moves.slip_days,
        "pull_in_count": moves.pull_ins,
        "pull_in_days": moves.pull_in_days,
        "net_days": moves.net_days,
    }


def dates_section(
    rows_by_id: dict[int, InitiativeRow],
    milestones: list[MilestoneFigures],
    today: dt.date,
    limit: int | None,
    totals: dict[str, int],
    days_of_teams: Today | None = None,
) -> dict[str, Any]:
    """Milestones due, slips and pull-ins, the timeline. ``today`` places the timeline;
    overdue is judged on each team's own date (``days_of_teams``, default ``today``)."""
    team_days: Today = days_of_teams or today
    per_initiative: dict[int, DateMoves] = defaultdict(DateMoves)
    moved = [m for m in milestones if m.moved]
    for milestone in moved:
        per_initiative[milestone.initiative_id] += milestone.moves
    moved.sort(key=lambda m: (-abs(m.moves.net_days), -m.slip_count, m.due_date, m.pk))
    # Sorted on the figures; the initiative's brief is built for the rows shown only.
    slipped = sorted(
        per_initiative.items(),
        key=lambda item: (
            -item[1].slip_days,
            -item[1].slips,
            -item[1].pull_in_days,
            rows_by_id[item[0]].key,
        ),
    )

    end = today + dt.timedelta(days=TIMELINE_DAYS)
    timeline: dict[int, list[dict[str, Any]]] = defaultdict(list)
    previous_due: dict[int, dt.date] = {}
    for milestone in milestones:  # ordered by due date
        row = rows_by_id[milestone.initiative_id]
        if row.state not in ACTIVE_STATES or not milestone.is_open:
            continue
        start = (
            milestone.started_at.date()
            if milestone.started_at
            else previous_due.get(row.pk, min(today, milestone.due_date))
        )
        previous_due[row.pk] = milestone.due_date
        if milestone.due_date > end:
            continue
        timeline[row.pk].append(
            {
                "title": milestone.title,
                "state": milestone.state,
                "start": min(start, milestone.due_date),
                "due_date": milestone.due_date,
                "original_due_date": milestone.original_due_date,
                "overdue": milestone.is_overdue(today_of(team_days, row.team.pk)),
                "slip_count": milestone.slip_count,
            }
        )
    # Worst first: most overdue milestones, then most moves, then soonest due.
    timeline_rows = sorted(
        timeline.items(),
        key=lambda t: (
            -sum(m["overdue"] for m in t[1]),
            -sum(m["slip_count"] for m in t[1]),
            t[1][0]["due_date"],
            rows_by_id[t[0]].team.key,
            rows_by_id[t[0]].number,
        ),
    )
    due = milestones_due_among(
        milestones,
        {pk: row.initiative for pk, row in rows_by_id.items()},
        {m.pk: m.moves for m in milestones},
        today=team_days,
    )
    totals.update(
        milestones_due=len(due), slips_by_initiative=len(slipped), timeline=len(timeline_rows)
    )
    chart_rows = CHART_ROWS if limit is not None else None
    return {
        "milestones_due": [
            {
                "initiative": m.initiative.key,
                "initiative_url": initiative_url(m.initiative.key),
                "initiative_title": m.initiative.title,
                "dri": person(m.initiative.dri),
                "milestone": m.title,
                "state": m.state,
                "due_date": m.due_date,
                "overdue": m.overdue,
                "days_left": m.days_left,
                "committed_date": m.committed_date,
                **moves_figures(m.moves),
            }
            for m in bounded(due, limit)
        ],
        "slips_by_initiative": [
            {**brief(rows_by_id[pk]), **moves_figures(moves)}
            for pk, moves in bounded(slipped, limit)
        ],
        "most_moved_milestones": [
            {
                "initiative": rows_by_id[m.initiative_id].key,
                "initiative_url": initiative_url(rows_by_id[m.initiative_id].key),
                "milestone": m.title,
                "original_due_date": m.original_due_date,
                "committed_date": m.due_date - dt.timedelta(days=m.moves.net_days),
                "due_date": m.due_date,
                **moves_figures(m.moves),
            }
            for m in moved[:TOP_N]
        ],
        "timeline": {
            "start": today - dt.timedelta(days=TIMELINE_LOOKBACK_DAYS),
            "end": end,
            "rows": [
                {**brief(rows_by_id[pk]), "milestones": bars}
                for pk, bars in bounded(timeline_rows, chart_rows)
            ],
        },
    }


def drift_section(
    rows: list[InitiativeRow],
    milestones: list[MilestoneFigures],
    now: dt.datetime,
    today: dt.date,
    limit: int | None,
    totals: dict[str, int],
    days_of_teams: Today | None = None,
) -> list[dict[str, Any]]:
    """On-track initiatives with evidence otherwise: an overdue milestone (on its team's own
    date, ``days_of_teams``), a slip in the last two weeks, no task moved for two weeks."""
    team_of = {row.pk: row.team.pk for row in rows}
    evidence: dict[int, list[dict[str, str]]] = defaultdict(list)
    for m in milestones:
        day = today_of(days_of_teams or today, team_of[m.initiative_id])
        if m.is_overdue(day):
            evidence[m.initiative_id].append(
                {
                    "kind": "overdue_milestone",
                    "text": f"Milestone “{m.title}” was due {m.due_date:%Y-%m-%d} "
                    f"({(day - m.due_date).days} days ago).",
                }
            )
    for m in milestones:
        if m.recent_count == 1:
            text = (
                f"Milestone “{m.title}” slipped from {m.recent_old:%Y-%m-%d} to "
                f"{m.recent_new:%Y-%m-%d} on {m.recent_at:%Y-%m-%d}."
            )
        elif m.recent_count:
            text = (
                f"Milestone “{m.title}” slipped {m.recent_count} times in the last "
                f"{DRIFT_DAYS} days (last on {m.recent_at:%Y-%m-%d}); now due "
                f"{m.due_date:%Y-%m-%d}."
            )
        else:
            continue
        evidence[m.initiative_id].append({"kind": "recent_slip", "text": text})
    recent = now - dt.timedelta(days=DRIFT_DAYS)
    flagged = []
    for row in rows:
        if row.state not in ACTIVE_STATES or row.health != "on_track":
            continue
        reasons = list(evidence.get(row.pk, []))
        last_progress = max(filter(None, [row.extra["last_task_move"], row.state_changed_at]))
        open_tasks = row.tasks_total - row.tasks_closed
        if row.state == State.IN_DELIVERY and open_tasks and last_progress < recent:
            reasons.append(
                {
                    "kind": "no_task_progress",
                    "text": f"No task has moved since {last_progress:%Y-%m-%d} "
                    f"({(now - last_progress).days} days); {open_tasks} still open.",
                }
            )
        if reasons:
            flagged.append((row, reasons))
    # Most kinds of evidence first.
    flagged.sort(key=lambda f: (-len({e["kind"] for e in f[1]}), -len(f[1])))
    totals["drift"] = len(flagged)
    return [{**brief(row), "evidence": reasons} for row, reasons in bounded(flagged, limit)]
