"""The dashboard's figures over time: weekly health history, how long initiatives wait at
the gates (and which items are waived or ticked last), and flow (work in progress, time in
each state, initiatives finished per month). Each function takes rows already loaded by
``dashboard.portfolio_summary``; lists keep their first ``limit`` rows (worst first) and
record the full count in ``totals``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from statistics import median
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, Value
from django.utils import timezone

from initiatives.dashboard.common import (
    CHART_ROWS,
    FINISHED_MONTHS,
    HEALTHS,
    HEATMAP_WEEKS,
    OVERRIDE_QUARTERS,
    TIMED_STATES,
    TOP_N,
    TRANSITION_VERBS,
    Event,
    bounded,
    brief,
    days,
    month_start,
    person,
    quarter_of,
    quarter_start,
    spread,
)
from initiatives.models import (
    CLOSED_TASK_STATES,
    ChecklistItem,
    ItemStatus,
    State,
    StatusUpdate,
    Task,
)
from initiatives.models.initiative import ACTIVE_STATES
from initiatives.rules.workflow import FORWARD, blocking_gate, iso_week, shift_week
from initiatives.selectors.initiatives import InitiativeRow
from initiatives.selectors.portfolio import (
    CLOSABLE_AT,
    gate_wait_days,
    unmet_gate,
    waiting_since,
    worst_first,
)


def state_stints(events: list[Event], now: dt.datetime) -> dict[int, list[tuple]]:
    """Per initiative, its stints as (state, entered, left, next_state) from the audit log
    (events oldest first); the current stint ends ``now`` with no next state."""
    by_initiative: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event["verb"] in TRANSITION_VERBS:
            by_initiative[event["initiative_id"]].append(event)
    stints: dict[int, list[tuple]] = {}
    for initiative_id, rows in by_initiative.items():
        result = []
        state, entered = None, None
        for event in rows:
            target = event["target"]
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


def history_section(
    rows: list[InitiativeRow], team_ids: list[int], today: dt.date, limit: int | None, totals: dict
) -> dict[str, Any]:
    """The heatmap shows the initiatives that are active or were updated in its window,
    worst current health first; the share per week counts every update. One query."""
    current = iso_week(today)
    weeks = [shift_week(current, -back) for back in range(HEATMAP_WEEKS - 1, -1, -1)]
    candidates = sorted(
        (r for r in rows if r.state in ACTIVE_STATES or r.last_update_week >= weeks[0]),
        key=lambda r: (r.state not in ACTIVE_STATES, worst_first(r.health, r)),
    )
    shown = bounded(candidates, CHART_ROWS if limit is not None else None)
    window = StatusUpdate.objects.filter(week__gte=weeks[0], week__lte=weeks[-1]).order_by()
    # One query: the cells of the rows shown, and the count of every health per week.
    cells_of_shown = window.filter(initiative_id__in=[r.pk for r in shown]).values_list(
        "week", "health", "initiative_id"
    )
    counts = (
        window.filter(initiative__team_id__in=team_ids)
        .values_list("week", "health")
        .annotate(n=Count("pk"), is_count=Value(1))
        .values_list("week", "health", "n", "is_count")
    )
    cells: dict[int, dict[str, str]] = defaultdict(dict)
    per_week: dict[str, dict[str, int]] = {w: dict.fromkeys(HEALTHS, 0) for w in weeks}
    for week, health, number, is_count in cells_of_shown.annotate(is_count=Value(0)).union(
        counts, all=True
    ):
        if is_count:
            per_week[week][health] += number
        else:
            cells[number][week] = health
    share = []
    for week in weeks:
        counts_of_week = per_week[week]
        total = sum(counts_of_week.values())
        share.append(
            {
                "week": week,
                "total": total,
                **counts_of_week,
                "percent": {
                    h: round(100 * n / total) if total else 0 for h, n in counts_of_week.items()
                },
            }
        )
    totals["heatmap"] = len(candidates)
    return {
        "weeks": weeks,
        "heatmap": [
            {**brief(r), "cells": [cells[r.pk].get(week) for week in weeks]} for r in shown
        ],
        "health_share": share,
    }


ItemKey = tuple[str, str, str]


def decided_items(
    team_ids: list[int],
) -> tuple[dict[ItemKey, int], dict[ItemKey, tuple[int, float]]]:
    """Per checklist item (kind, section, text) of the teams' initiatives: how often it was
    waived, and how many ticks it had with their median days from the initiative's creation
    (automatic items are never ticked, so they only count when waived).

    On PostgreSQL one GROUP BY query returns a row per distinct item (tens) with its tick
    durations in days, not the teams' thousands of decided items with two timestamps each
    (the median is taken here, as on the other path); elsewhere the items are read and
    counted here."""
    decided = ChecklistItem.objects.filter(
        initiative__team_id__in=team_ids, status__in=(ItemStatus.WAIVED, ItemStatus.DONE)
    ).order_by()
    ticked = Q(status=ItemStatus.DONE, decided_at__isnull=False) & ~(
        ~Q(rule="") & Q(signoff_role="")
    )
    waived: dict[ItemKey, int] = defaultdict(int)
    if connection.vendor == "postgresql":
        # Exact seconds (to the microsecond), made days here as ``common.days`` makes them.
        seconds = Func(
            F("decided_at"),
            F("initiative__created_at"),
            arg_joiner=" - ",
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            output_field=FloatField(),
        )
        grouped = decided.values_list("kind", "section", "text").annotate(
            n_waived=Count("pk", filter=Q(status=ItemStatus.WAIVED)),
            tick_seconds=ArrayAgg(seconds, filter=ticked, default=Value([])),
        )
        ticks: dict[ItemKey, tuple[int, float]] = {}
        for kind, section, text, n_waived, durations in grouped:
            if n_waived:
                waived[(kind, section, text)] = n_waived
            if durations:
                ticks[(kind, section, text)] = (
                    len(durations),
                    median([round(float(s) / 86400, 1) for s in durations]),
                )
        return waived, ticks
    tick_days: dict[ItemKey, list[float]] = defaultdict(list)
    rows = decided.values_list(
        "kind", "section", "text", "status", "rule", "signoff_role", "decided_at",
        "initiative__created_at",
    )  # fmt: skip
    for kind, section, text, status, rule, signoff_role, decided_at, created_at in rows:
        key = (kind, section, text)
        if status == ItemStatus.WAIVED:
            waived[key] += 1
        elif decided_at is not None and not (rule and not signoff_role):
            tick_days[key].append(days(decided_at - created_at))
    return waived, {key: (len(values), median(values)) for key, values in tick_days.items()}


def gates_section(
    stints: dict[int, list[tuple]],
    events: list[Event],
    rows: list[InitiativeRow],
    team_ids: list[int],
    now: dt.datetime,
    since: dt.datetime,
    today: dt.date,
) -> dict[str, Any]:
    """Waits at the gates (``portfolio.waiting_since``: the DoD from when the initiative was
    ready to be closed, not from entering delivery), most-waived and last-ticked items,
    overrides per quarter. One query."""
    closable = {r.pk: r.extra.get(CLOSABLE_AT) for r in rows}
    waits: dict[str, list[float]] = {"ready": [], "done": []}
    for initiative_id, initiative_stints in stints.items():
        for state, entered, left, target in initiative_stints:
            # A stint at a gate ends by passing it (moving forward) or by leaving otherwise.
            gate = blocking_gate(state)
            if gate and target == FORWARD[state] and left >= since:
                waits[gate].append(gate_wait_days(left, entered, gate, closable.get(initiative_id)))
    gates = {}
    for gate, completed in waits.items():
        now_waiting = [r for r in rows if unmet_gate(r) == gate]
        longest = min(now_waiting, key=lambda r: (waiting_since(r), r.pk), default=None)
        gates[gate] = {
            "passed": len(completed),
            "median_days": round(median(completed), 1) if completed else None,
            "max_days": max(completed) if completed else None,
            "waiting_now": len(now_waiting),
            "longest_waiting": (
                {**brief(longest), "days": days(now - (waiting_since(longest) or now))}
                if longest
                else None
            ),
        }

    waived, tick_days = decided_items(team_ids)
    most_waived = [
        {"kind": kind, "section": section, "text": text, "count": count}
        for (kind, section, text), count in sorted(
            waived.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][2])
        )[:TOP_N]
    ]
    medians = {key: round(median_, 1) for key, (_, median_) in tick_days.items()}
    slowest = sorted(medians, key=lambda key: (-medians[key], key[0], key[2]))[:TOP_N]
    last_ticked = [
        {
            "kind": kind,
            "section": section,
            "text": text,
            "count": tick_days[(kind, section, text)][0],
            "median_days": medians[(kind, section, text)],
        }
        for kind, section, text in slowest
    ]

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


def flow_section(
    rows: list[InitiativeRow],
    stints: dict[int, list[tuple]],
    team_ids: list[int],
    since: dt.datetime,
    today: dt.date,
    tz,
    limit: int | None,
    totals: dict[str, int],
) -> dict[str, Any]:
    wip: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.state == State.IN_DELIVERY:
            entry = wip.setdefault(
                row.dri.get_username() if row.dri else "",
                {**person(row.dri), "dri_in_delivery": 0, "open_tasks": 0},
            )
            entry["dri_in_delivery"] += 1
    open_tasks = (
        Task.objects.filter(initiative__team_id__in=team_ids, assignee__isnull=False)
        .exclude(state__in=CLOSED_TASK_STATES)
        .exclude(initiative__state__in=(State.DONE, State.CANCELLED))
        .values("assignee__username", "assignee__first_name", "assignee__last_name")
        # COUNT(*), not of the ids: the open tasks are counted from the index alone
        # (``task_open_assigned``), without reading the task rows.
        .annotate(count=Count("*"))
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
        spent: dict[str, dt.timedelta] = defaultdict(dt.timedelta)
        for state, entered, left, _target in stints.get(row.pk, []):
            if state in TIMED_STATES:
                spent[state] += left - entered
        for state, total in spent.items():
            in_state[state].append(days(total))

    months = [month_start(today, back) for back in range(FINISHED_MONTHS - 1, -1, -1)]
    per_month = {f"{m:%Y-%m}": 0 for m in months}
    for row in rows:
        if row.state == State.DONE:
            month = f"{timezone.localtime(row.state_changed_at, tz):%Y-%m}"
            if month in per_month:
                per_month[month] += 1
    totals["wip"] = len(wip)
    return {
        "wip": bounded(
            sorted(
                wip.values(),
                key=lambda p: (-(p["dri_in_delivery"] + p["open_tasks"]), p["name"]),
            ),
            CHART_ROWS if limit is not None else None,
        ),
        "time_in_state": {
            "finished": len(done),
            "since": since,
            "states": [{"state": str(s), **spread(in_state.get(s, []))} for s in TIMED_STATES],
        },
        "finished_per_month": [{"month": m, "count": n} for m, n in per_month.items()],
    }
