"""Portfolio reads shared by the EM dashboard (``views.dashboard``) and the weekly digest.

Every function takes the ids of the teams to look at and runs a fixed number of queries
whatever the number of initiatives (the count is in each docstring). Rows come back with what
their callers render already joined (team, DRI, initiative), so templates add no queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from statistics import median
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ..models import (
    CLOSED_TASK_STATES,
    ActivityEvent,
    ChecklistItem,
    Initiative,
    ItemStatus,
    Milestone,
    MilestoneSlip,
    State,
    StatusUpdate,
    Task,
    Team,
)
from ..models.initiative import ACTIVE_STATES
from ..workflow import iso_week, shift_week
from .initiatives import OPEN_MILESTONE_STATES, list_initiatives

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
    missing = []
    weeks: dict[int, str] = {}
    for row in rows:
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
    result = list(rows)
    for milestone in result:
        milestone.overdue = milestone.due_date < today  # type: ignore[attr-defined]
        milestone.slip_days = (  # type: ignore[attr-defined]
            milestone.due_date - milestone.original_due_date
        ).days
    return result


def gate_waits(team_ids: Iterable[int]) -> list[Initiative]:
    """Initiatives in scoping (waiting at the DoR) or in delivery (at the DoD) whose gate is
    not met, each with ``gate`` (a ``GateResult``; its ``missing`` items carry
    ``signoff_role``), ``pending_signoffs`` (the roles whose sign-off is missing) and
    ``waiting_since`` (when it entered the state). Longest waiting first. Two queries."""
    queryset = Initiative.objects.filter(
        team_id__in=list(team_ids), state__in=list(GATED_STATES)
    ).order_by("state_changed_at", "pk")
    return waiting_at_gates(list_initiatives(queryset))


def waiting_at_gates(rows: Iterable[Initiative]) -> list[Initiative]:
    """``gate_waits`` over rows already loaded by ``list_initiatives`` (no query)."""
    waiting = []
    for row in rows:
        if row.state not in GATED_STATES:
            continue
        gate = getattr(row.gates, GATED_STATES[row.state])
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


# --- The dashboard's summary -----------------------------------------------------------------
#
# ``portfolio_summary`` computes every figure of the dashboard (and of ``/api/v1/portfolio/``)
# as plain data: dicts and lists of strings, numbers and dates. It loads each kind of row once
# for all the teams and derives the figures in Python, so its query count does not grow with
# the number of initiatives (see ``tests/dashboard/test_queries.py``).

HEATMAP_WEEKS = 12
DUE_WITHIN_DAYS = 14
DRIFT_DAYS = 14
OVERRIDES_WINDOW_DAYS = 30
TIMELINE_DAYS = 91
TIMELINE_LOOKBACK_DAYS = 28  # so that overdue milestones show
FINISHED_MONTHS = 6
OVERRIDE_QUARTERS = 4
TOP_N = 5
TRANSITION_VERBS = ("initiative.created", "initiative.transitioned", "initiative.gate_overridden")
HEALTHS = ("on_track", "at_risk", "off_track")
HEALTH_RANK = {"off_track": 0, "at_risk": 1}
TIMED_STATES = (State.DISCOVERY, State.SCOPING, State.READY, State.IN_DELIVERY, State.PAUSED)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the quarter ``back`` quarters before the one holding ``day``."""
    index = day.year * 4 + (day.month - 1) // 3 - back
    return dt.date(index // 4, (index % 4) * 3 + 1, 1)


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def days(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def spread(values: list[float]) -> dict[str, float | int | None]:
    """Median and spread (quartiles, min, max) of durations in days."""
    if not values:
        return {"count": 0, "median": None, "p25": None, "p75": None, "min": None, "max": None}
    return {
        "count": len(values),
        "median": round(percentile(values, 0.5), 1),
        "p25": round(percentile(values, 0.25), 1),
        "p75": round(percentile(values, 0.75), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def person(user) -> dict[str, Any]:
    if user is None:
        return {"username": "", "name": "Unassigned"}
    return {"username": user.username, "name": user.get_full_name() or user.username}


def initiative_url(key: str, name: str = "initiative-detail") -> str:
    """The web page of initiative ``key`` (a plain path if the web UI names it otherwise)."""
    try:
        return reverse(name, kwargs={"key": key})
    except NoReverseMatch:
        return f"/i/{key}/"


def brief(row: Initiative) -> dict[str, Any]:
    return {
        "key": row.key,
        "url": initiative_url(row.key),
        "title": row.title,
        "team": row.team.key,
        "state": row.state,
        "health": row.health or None,
        "dri": person(row.dri),
    }


def _rows(team_ids: list[int], now: dt.datetime) -> list[Initiative]:
    """Every initiative of the teams with the list annotations, its latest risk text and when
    its tasks last moved. Two queries."""
    latest = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-week")
    moved = (
        ActivityEvent.objects.filter(initiative=OuterRef("pk"), verb="task.moved")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    queryset = (
        Initiative.objects.filter(team_id__in=team_ids)
        .annotate(
            latest_risks=Subquery(latest.values("risks")[:1]),
            last_task_move=Subquery(moved),
        )
        .order_by("team__key", "number")
    )
    return list_initiatives(queryset)


def _state_stints(events: list[dict[str, Any]], now: dt.datetime) -> dict[int, list[tuple]]:
    """Per initiative, its stints as (state, entered, left, next_state) from the audit log;
    the current stint ends ``now`` with no next state."""
    by_initiative: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_initiative[event["initiative_id"]].append(event)
    stints: dict[int, list[tuple]] = {}
    for initiative_id, rows in by_initiative.items():
        rows.sort(key=lambda e: (e["created_at"], e["id"]))
        result = []
        state, entered = None, None
        for event in rows:
            target = (event["after"] or {}).get("state")
            if event["verb"] == "initiative.created":
                state, entered = target or State.DISCOVERY, event["created_at"]
                continue
            if state is not None and target:
                result.append((state, entered, event["created_at"], target))
            state, entered = target or state, event["created_at"]
        if state is not None:
            result.append((state, entered, now, None))
        stints[initiative_id] = result
    return stints


def _now_section(
    rows: list[Initiative], team_ids: list[int], now: dt.datetime, waiting: list[Initiative]
) -> dict[str, Any]:
    active = [r for r in rows if r.state in ACTIVE_STATES]
    by_health = {h: sum(r.health == h for r in active) for h in HEALTHS}
    by_health["none"] = sum(not r.health for r in active)
    red_and_yellow = sorted(
        (r for r in active if r.health in HEALTH_RANK),
        key=lambda r: (HEALTH_RANK[r.health], r.team.key, r.number),
    )
    events = overrides_and_waivers(
        team_ids, since=now - dt.timedelta(days=OVERRIDES_WINDOW_DAYS), until=now
    )
    return {
        "by_state": {s: sum(r.state == s for r in rows) for s in State.values},
        "by_health": by_health,
        "red_and_yellow": [
            {**brief(r), "risks": r.latest_risks or "", "last_update_week": r.last_update_week}
            for r in red_and_yellow
        ],
        "missing_updates": [
            {**brief(r), "week": r.current_week, "last_update_week": r.last_update_week}
            for r in missing_updates(team_ids, now=now)
        ],
        "gate_waits": [
            {
                **brief(r),
                "gate": r.gate.kind,
                "missing": len(r.gate.missing),
                "pending_signoffs": r.pending_signoffs,
                "percent": r.gate.percent,
                "waiting_days": days(now - r.waiting_since),
            }
            for r in waiting
        ],
        "overrides_and_waivers": [
            {
                "when": e.created_at,
                "verb": e.verb,
                "kind": "override" if e.verb == "initiative.gate_overridden" else "waiver",
                "initiative": e.initiative.key if e.initiative else None,
                "initiative_url": initiative_url(e.initiative.key) if e.initiative else None,
                "actor": person(e.actor),
                "summary": e.summary,
                "reason": (e.after or {}).get("reason", ""),
            }
            for e in events
        ],
    }


def _dates_section(
    rows_by_id: dict[int, Initiative],
    milestones: list[Milestone],
    slips: list[MilestoneSlip],
    team_ids: list[int],
    today: dt.date,
) -> dict[str, Any]:
    slip_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # milestone -> count, days
    for slip in slips:
        slip_totals[slip.milestone_id][0] += 1
        slip_totals[slip.milestone_id][1] += slip.days
    per_initiative: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    moved = []
    for milestone in milestones:
        count, total = slip_totals.get(milestone.pk, (0, 0))
        if not count:
            continue
        per_initiative[milestone.initiative_id][0] += count
        per_initiative[milestone.initiative_id][1] += total
        moved.append((milestone, count, total))
    moved.sort(key=lambda m: (-abs(m[2]), -m[1], m[0].due_date, m[0].pk))

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
                "overdue": milestone.due_date < today,
                "slip_count": slip_totals.get(milestone.pk, (0, 0))[0],
            }
        )
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
                "days_left": (m.due_date - today).days,
                "slip_count": m.slip_count,
                "slip_days": m.slip_days,
            }
            for m in milestones_due(team_ids, today=today, within_days=DUE_WITHIN_DAYS)
        ],
        "slips_by_initiative": sorted(
            (
                {**brief(rows_by_id[pk]), "slip_count": count, "slip_days": total}
                for pk, (count, total) in per_initiative.items()
            ),
            key=lambda s: (-s["slip_days"], -s["slip_count"], s["key"]),
        ),
        "most_moved_milestones": [
            {
                "initiative": rows_by_id[m.initiative_id].key,
                "initiative_url": initiative_url(rows_by_id[m.initiative_id].key),
                "milestone": m.title,
                "original_due_date": m.original_due_date,
                "due_date": m.due_date,
                "slip_count": count,
                "slip_days": total,
            }
            for m, count, total in moved[:TOP_N]
        ],
        "timeline": {
            "start": today - dt.timedelta(days=TIMELINE_LOOKBACK_DAYS),
            "end": end,
            "rows": [
                {**brief(rows_by_id[pk]), "milestones": bars}
                for pk, bars in sorted(
                    timeline.items(),
                    key=lambda t: (rows_by_id[t[0]].team.key, rows_by_id[t[0]].number),
                )
            ],
        },
    }


def _history_section(rows: list[Initiative], team_ids: list[int], today: dt.date) -> dict[str, Any]:
    current = iso_week(today)
    weeks = [shift_week(current, -back) for back in range(HEATMAP_WEEKS - 1, -1, -1)]
    cells: dict[int, dict[str, str]] = defaultdict(dict)
    for initiative_id, week, health in StatusUpdate.objects.filter(
        initiative__team_id__in=team_ids, week__gte=weeks[0], week__lte=weeks[-1]
    ).values_list("initiative_id", "week", "health"):
        cells[initiative_id][week] = health
    shown = [r for r in rows if r.state in ACTIVE_STATES or r.pk in cells]
    share = []
    for week in weeks:
        counts = {h: 0 for h in HEALTHS}
        for by_week in cells.values():
            if week in by_week:
                counts[by_week[week]] += 1
        total = sum(counts.values())
        share.append(
            {
                "week": week,
                "total": total,
                **counts,
                "percent": {h: round(100 * n / total) if total else 0 for h, n in counts.items()},
            }
        )
    return {
        "weeks": weeks,
        "heatmap": [
            {**brief(r), "cells": [cells[r.pk].get(week) for week in weeks]} for r in shown
        ],
        "health_share": share,
    }


def _gates_section(
    stints: dict[int, list[tuple]],
    events: list[dict[str, Any]],
    waiting: list[Initiative],
    team_ids: list[int],
    now: dt.datetime,
    since: dt.datetime,
    today: dt.date,
) -> dict[str, Any]:
    waits: dict[str, list[float]] = {"ready": [], "done": []}
    for initiative_stints in stints.values():
        for state, entered, left, target in initiative_stints:
            gate = GATED_STATES.get(state)
            if gate and target == gate and left >= since:
                waits[gate].append(days(left - entered))
    gates = {}
    for gate, completed in waits.items():
        now_waiting = [r for r in waiting if r.gate.kind == gate]
        longest = max(now_waiting, key=lambda r: now - r.waiting_since, default=None)
        gates[gate] = {
            "passed": len(completed),
            "median_days": round(median(completed), 1) if completed else None,
            "max_days": max(completed) if completed else None,
            "waiting_now": len(now_waiting),
            "longest_waiting": (
                {**brief(longest), "days": days(now - longest.waiting_since)} if longest else None
            ),
        }

    items = ChecklistItem.objects.filter(initiative__team_id__in=team_ids)
    most_waived = (
        items.filter(status=ItemStatus.WAIVED)
        .values("kind", "section", "text")
        .annotate(count=Count("pk"))
        .order_by("-count", "kind", "text")[:TOP_N]
    )
    tick_days: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for kind, section, text, decided_at, created_at in (
        items.filter(status=ItemStatus.DONE, decided_at__isnull=False)
        .exclude(rule__gt="", signoff_role="")  # automatic items are never ticked
        .values_list("kind", "section", "text", "decided_at", "initiative__created_at")
    ):
        tick_days[(kind, section, text)].append(days(decided_at - created_at))
    last_ticked = sorted(
        (
            {
                "kind": kind,
                "section": section,
                "text": text,
                "count": len(values),
                "median_days": round(median(values), 1),
            }
            for (kind, section, text), values in tick_days.items()
        ),
        key=lambda i: (-i["median_days"], i["kind"], i["text"]),
    )[:TOP_N]

    quarters = [
        quarter_of(quarter_start(today, back)) for back in range(OVERRIDE_QUARTERS - 1, -1, -1)
    ]
    per_quarter = dict.fromkeys(quarters, 0)
    for event in events:
        if event["verb"] == "initiative.gate_overridden":
            quarter = quarter_of(event["created_at"].date())
            if quarter in per_quarter:
                per_quarter[quarter] += 1
    return {
        "waits": gates,
        "most_waived": list(most_waived),
        "last_ticked": last_ticked,
        "overrides_per_quarter": [{"quarter": q, "count": n} for q, n in per_quarter.items()],
    }


def _drift_section(
    rows: list[Initiative],
    milestones: list[Milestone],
    slips: list[MilestoneSlip],
    now: dt.datetime,
    today: dt.date,
) -> list[dict[str, Any]]:
    evidence: dict[int, list[dict[str, str]]] = defaultdict(list)
    for m in milestones:
        if m.is_open and m.due_date < today:
            evidence[m.initiative_id].append(
                {
                    "kind": "overdue_milestone",
                    "text": f"Milestone “{m.title}” was due {m.due_date:%Y-%m-%d} "
                    f"({(today - m.due_date).days} days ago).",
                }
            )
    recent = now - dt.timedelta(days=DRIFT_DAYS)
    for slip in slips:
        if slip.created_at >= recent:
            evidence[slip.milestone.initiative_id].append(
                {
                    "kind": "recent_slip",
                    "text": f"Milestone “{slip.milestone.title}” moved from "
                    f"{slip.old_date:%Y-%m-%d} to {slip.new_date:%Y-%m-%d} "
                    f"on {slip.created_at:%Y-%m-%d}.",
                }
            )
    flagged = []
    for row in rows:
        if row.state not in ACTIVE_STATES or row.health != "on_track":
            continue
        reasons = list(evidence.get(row.pk, []))
        last_progress = max(filter(None, [row.last_task_move, row.state_changed_at]))
        if row.state == State.IN_DELIVERY and row.fact_open_tasks and last_progress < recent:
            reasons.append(
                {
                    "kind": "no_task_progress",
                    "text": f"No task has moved since {last_progress:%Y-%m-%d} "
                    f"({(now - last_progress).days} days); {row.fact_open_tasks} still open.",
                }
            )
        if reasons:
            flagged.append({**brief(row), "evidence": reasons})
    return flagged


def _flow_section(
    rows: list[Initiative],
    stints: dict[int, list[tuple]],
    team_ids: list[int],
    since: dt.datetime,
    today: dt.date,
    tz,
) -> dict[str, Any]:
    wip: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.state == State.IN_DELIVERY:
            entry = wip.setdefault(
                row.dri.username, {**person(row.dri), "dri_in_delivery": 0, "open_tasks": 0}
            )
            entry["dri_in_delivery"] += 1
    open_tasks = (
        Task.objects.filter(initiative__team_id__in=team_ids, assignee__isnull=False)
        .exclude(state__in=CLOSED_TASK_STATES)
        .exclude(initiative__state__in=(State.DONE, State.CANCELLED))
        .values("assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for task in open_tasks:
        username = task["assignee__username"]
        name = f"{task['assignee__first_name']} {task['assignee__last_name']}".strip()
        entry = wip.setdefault(
            username,
            {"username": username, "name": name or username, "dri_in_delivery": 0},
        )
        entry["open_tasks"] = entry.get("open_tasks", 0) + task["count"]

    done = [r for r in rows if r.state == State.DONE and r.state_changed_at >= since]
    in_state: dict[str, list[float]] = defaultdict(list)
    for row in done:
        totals: dict[str, dt.timedelta] = defaultdict(dt.timedelta)
        for state, entered, left, _target in stints.get(row.pk, []):
            if state in TIMED_STATES:
                totals[state] += left - entered
        for state, total in totals.items():
            in_state[state].append(days(total))

    months = [month_start(today, back) for back in range(FINISHED_MONTHS - 1, -1, -1)]
    per_month = {f"{m:%Y-%m}": 0 for m in months}
    for row in rows:
        if row.state == State.DONE:
            month = f"{timezone.localtime(row.state_changed_at, tz):%Y-%m}"
            if month in per_month:
                per_month[month] += 1
    return {
        "wip": sorted(
            wip.values(),
            key=lambda p: (-(p["dri_in_delivery"] + p["open_tasks"]), p["name"]),
        ),
        "time_in_state": {
            "finished": len(done),
            "since": since,
            "states": [{"state": str(s), **spread(in_state.get(s, []))} for s in TIMED_STATES],
        },
        "finished_per_month": [{"month": m, "count": n} for m, n in per_month.items()],
    }


def table_row(row: Initiative) -> dict[str, Any]:
    return {
        **brief(row),
        "current_milestone": row.current_milestone_title or "",
        "current_milestone_due": row.current_milestone_due,
        "progress": row.progress,
        "tasks_closed": row.tasks_closed or 0,
        "tasks_total": row.tasks_total or 0,
        "dor_percent": row.gates.ready.percent,
        "dod_percent": row.gates.done.percent,
        "last_update_week": row.last_update_week,
        "stale": row.stale,
        "target_date": row.target_date,
    }


def portfolio_summary(
    team_ids: Iterable[int], *, now: dt.datetime, tz: dt.tzinfo | None = None
) -> dict[str, Any]:
    """Every figure of the dashboard for ``team_ids`` at ``now`` (dates in ``tz``), as plain
    data. A fixed number of queries (twelve) whatever the number of initiatives."""
    team_ids = list(team_ids)
    tz = tz or timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    since = dt.datetime.combine(quarter_start(today, 1), dt.time.min, tzinfo=tz)

    rows = _rows(team_ids, now)  # 2 queries
    rows_by_id = {r.pk: r for r in rows}
    waiting = waiting_at_gates(rows)
    milestones = list(
        Milestone.objects.filter(initiative__team_id__in=team_ids).order_by(
            "due_date", "position", "pk"
        )
    )
    slips = list(
        MilestoneSlip.objects.filter(milestone__initiative__team_id__in=team_ids)
        .exclude(milestone__initiative__state=State.CANCELLED)
        .select_related("milestone")
    )
    milestones = [m for m in milestones if rows_by_id[m.initiative_id].state != State.CANCELLED]
    events = list(
        ActivityEvent.objects.filter(team_id__in=team_ids, verb__in=TRANSITION_VERBS)
        .order_by()
        .values("id", "initiative_id", "verb", "after", "created_at")
    )
    stints = _state_stints(events, now)
    return {
        "generated_at": now,
        "today": today,
        "now": _now_section(rows, team_ids, now, waiting),
        "dates": _dates_section(rows_by_id, milestones, slips, team_ids, today),
        "history": _history_section(rows, team_ids, today),
        "gates": _gates_section(stints, events, waiting, team_ids, now, since, today),
        "drift": _drift_section(rows, milestones, slips, now, today),
        "flow": _flow_section(rows, stints, team_ids, since, today, tz),
        "initiatives": [table_row(r) for r in rows],
    }
