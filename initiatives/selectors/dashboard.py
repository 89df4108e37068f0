"""The EM dashboard's figures (also served as ``/api/v1/portfolio/``).

``portfolio_summary`` computes every figure of the dashboard as plain data: dicts and lists of
strings, numbers and dates. It loads each kind of row once for all the teams and derives the
figures in Python, so its query count does not grow with the number of initiatives (see
``tests/dashboard/test_views.py``). The sections are computed in ``dashboard_now`` (now,
dates, drift) and ``dashboard_trends`` (history, gates, flow); the selectors it shares with
the weekly digest are in ``portfolio``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..models import ActivityEvent, Initiative, Milestone, MilestoneSlip, State, StatusUpdate
from .dashboard_common import brief, quarter_start
from .dashboard_now import dates_section, drift_section, now_section
from .dashboard_trends import flow_section, gates_section, history_section
from .initiatives import list_initiatives
from .portfolio import waiting_at_gates

TRANSITION_VERBS = ("initiative.created", "initiative.transitioned", "initiative.gate_overridden")


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
    data. A fixed number of queries (nine) whatever the number of initiatives."""
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
        "now": now_section(rows, team_ids, now, waiting),
        "dates": dates_section(rows_by_id, milestones, slips, team_ids, today),
        "history": history_section(rows, team_ids, today),
        "gates": gates_section(stints, events, waiting, team_ids, now, since, today),
        "drift": drift_section(rows, milestones, slips, now, today),
        "flow": flow_section(rows, stints, team_ids, since, today, tz),
        "initiatives": [table_row(r) for r in rows],
    }
