"""The EM dashboard's figures (also served as ``/api/v1/portfolio/``).

``portfolio_summary`` computes every figure of the dashboard as plain data: dicts and lists of
strings, numbers and dates. Every list is bounded: it holds the first ``limit`` rows, worst
first, and ``totals`` says how many there are in all (the page links to the rest). Counts and
sums come from SQL (GROUP BY); only the rows a section shows are loaded, so both the query
count and the work per request stay fixed whatever the size of the portfolio (see
``tests/dashboard/test_views.py``). The sections are computed in ``dashboard_now`` (now,
dates, drift) and ``dashboard_trends`` (history, gates, flow); the selectors it shares with
the weekly digest are in ``portfolio``.

``cached_portfolio_summary`` keeps a summary in the cache under the teams' newest activity
event: every write records exactly one event, so any write gives a new key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Case, OuterRef, Q, Subquery, When
from django.db.models.fields.json import KT
from django.utils import timezone

from initiatives.dashboard.common import (
    DRIFT_DAYS,
    LIST_LIMIT,
    OVERRIDES_WINDOW_DAYS,
    RED_AND_YELLOW,
    TABLE_LIMIT,
    TRANSITION_VERBS,
    Event,
    brief,
    quarter_start,
)
from initiatives.dashboard.now import (
    dates_section,
    drift_section,
    load_milestones,
    now_section,
)
from initiatives.dashboard.trends import (
    flow_section,
    gates_section,
    history_section,
    state_stints,
)
from initiatives.models import ActivityEvent, Initiative, State, StatusUpdate, Team
from initiatives.models.initiative import ACTIVE_STATES
from initiatives.selectors.initiatives import InitiativeRow, list_initiatives
from initiatives.selectors.portfolio import (
    CLOSABLE_AT,
    OVERRIDE_AND_WAIVER_VERBS,
    closable_since,
    teams_today,
)
from initiatives.selectors.versions import newest_event_id, read_key, remember

TABLE_FILTERS = ("state", "health", "dri")
CACHE_VERSION = 1


def _rows(team_ids: list[int]) -> list[InitiativeRow]:
    """Every initiative of the teams with the list annotations (gate progress from the stored
    columns). The latest risks are read only for red and yellow active rows and the last
    task move only for on-track rows in delivery: the only rows that show them. One query."""
    latest = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-week")
    moved = (
        ActivityEvent.objects.filter(initiative=OuterRef("pk"), verb="task.moved")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    red_or_yellow = Q(state__in=ACTIVE_STATES, health__in=RED_AND_YELLOW)
    drifting = Q(state=State.IN_DELIVERY, health="on_track")
    queryset = (
        Initiative.objects.filter(team_id__in=team_ids)
        .annotate(
            latest_risks=Case(When(red_or_yellow, then=Subquery(latest.values("risks")[:1]))),
            last_task_move=Case(When(drifting, then=Subquery(moved))),
            **closable_since(),
        )
        .order_by("team__key", "number")
    )
    return list_initiatives(queryset, extra=["latest_risks", "last_task_move", CLOSABLE_AT])


def filter_rows(rows: list[InitiativeRow], params: Mapping[str, Any] | None) -> list[InitiativeRow]:
    """The rows the table's filters (``state``, ``health`` — ``none`` for no update yet —
    and ``dri``, a username) keep; unknown values match nothing."""
    for name in TABLE_FILTERS:
        wanted = (params or {}).get(name)
        if not wanted:
            continue
        if name == "dri":
            rows = [r for r in rows if r.dri is not None and r.dri.get_username() == wanted]
        elif name == "health":
            rows = [r for r in rows if (r.health or "none") == wanted]
        else:
            rows = [r for r in rows if r.state == wanted]
    return rows


def table_row(row: InitiativeRow) -> dict[str, Any]:
    return {
        **brief(row),
        "current_milestone": row.current_milestone_title or "",
        "current_milestone_due": row.current_milestone_due,
        "progress": row.progress,
        "tasks_closed": row.tasks_closed,
        "tasks_total": row.tasks_total,
        "dor_percent": row.gates.ready.percent,
        "dod_percent": row.gates.done.percent,
        "last_update_week": row.last_update_week,
        "stale": row.stale,
        "target_date": row.target_date,
    }


def initiatives_table(
    team_ids: Iterable[int], params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The whole initiatives table of the teams with the page's filters (the CSV export),
    filtered as the page filters it. One query."""
    queryset = Initiative.objects.filter(team_id__in=list(team_ids))
    rows = list_initiatives(queryset.order_by("team__key", "number"))
    return [table_row(r) for r in filter_rows(rows, params)]


def _events(team_ids: list[int], now: dt.datetime) -> list[Event]:
    """The state changes of the teams' initiatives (all time) and the waivers of the last 30
    days, oldest first, with what the sections show of them. One query."""
    since = now - dt.timedelta(days=OVERRIDES_WINDOW_DAYS)
    return list(
        ActivityEvent.objects.filter(
            Q(verb__in=TRANSITION_VERBS)
            | Q(verb__in=OVERRIDE_AND_WAIVER_VERBS, created_at__gte=since),
            team_id__in=team_ids,
        )
        .order_by("created_at", "pk")
        .values(
            "id",
            "initiative_id",
            "verb",
            "created_at",
            "summary",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
            target=KT("after__state"),
            reason=KT("after__reason"),
        )
    )


def portfolio_summary(
    team_ids: Iterable[int],
    *,
    now: dt.datetime,
    tz: dt.tzinfo | None = None,
    limit: int | None = LIST_LIMIT,
    table_limit: int | None = TABLE_LIMIT,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every figure of the dashboard for ``team_ids`` at ``now`` (dates in ``tz``), as plain
    data. Lists hold at most ``limit`` rows and the initiatives table (filtered by
    ``params``) ``table_limit`` rows; ``None`` means all of them. ``totals`` counts every
    list in full. Eight queries whatever the number of initiatives."""
    team_ids = list(team_ids)
    tz = tz or timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    since = dt.datetime.combine(quarter_start(today, 1), dt.time.min, tzinfo=tz)

    rows = _rows(team_ids)  # 1 query
    rows_by_id = {r.pk: r for r in rows}
    table = filter_rows(rows, params)
    shown = table if table_limit is None else table[:table_limit]
    milestones = load_milestones(team_ids, today, now - dt.timedelta(days=DRIFT_DAYS))  # 1
    events = _events(team_ids, now)  # 1
    stints = state_stints(events, now)
    # Overdue is judged on each team's own date, whatever ``tz`` the page is shown in.
    days_of_teams = teams_today({r.team.pk: r.team for r in rows}.values(), now)
    totals: dict[str, int] = {"initiatives": len(table)}
    return {
        "generated_at": now,
        "today": today,
        "now": now_section(rows, events, now, limit, totals),  # 2 queries
        "dates": dates_section(rows_by_id, milestones, today, limit, totals, days_of_teams),
        "history": history_section(rows, team_ids, today, limit, totals),  # 1 query
        "gates": gates_section(stints, events, rows, team_ids, now, since, today),  # 1
        "drift": drift_section(rows, milestones, now, today, limit, totals, days_of_teams),
        "flow": flow_section(rows, stints, team_ids, since, today, tz, limit, totals),  # 1
        "initiatives": [table_row(r) for r in shown],
        "totals": totals,
    }


def cached_portfolio_summary(
    team_ids: Iterable[int],
    *,
    now: dt.datetime,
    tz: dt.tzinfo | None = None,
    limit: int | None = LIST_LIMIT,
    table_limit: int | None = TABLE_LIMIT,
    params: Mapping[str, Any] | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """``portfolio_summary`` from the cache when nothing was written since it was computed
    (one query: the newest activity event) and within the same hour: figures such as
    "waiting 38.1 days" are as of ``generated_at``, at most an hour old."""
    team_ids = sorted(team_ids)
    tz = tz or timezone.get_current_timezone()
    hour = timezone.localtime(now, tz).strftime("%Y-%m-%dT%H")
    filters = sorted(
        (n, str((params or {}).get(n))) for n in TABLE_FILTERS if (params or {}).get(n)
    )
    if version is None:
        version = newest_event_id(team_ids)
    key = read_key(
        "dashboard", CACHE_VERSION, team_ids, version, hour, str(tz), limit, table_limit, filters
    )
    return remember(
        key,
        lambda: portfolio_summary(
            team_ids, now=now, tz=tz, limit=limit, table_limit=table_limit, params=params
        ),
    )


def summary_for_teams(teams: list[Team], **kwargs: Any) -> dict[str, Any]:
    """The (cached) figures for ``teams``, with dates in the team's time zone when there is
    one: what the dashboard page and ``/api/v1/portfolio/`` show."""
    tz = teams[0].tz if len(teams) == 1 else None
    return cached_portfolio_summary([t.pk for t in teams], now=timezone.now(), tz=tz, **kwargs)
