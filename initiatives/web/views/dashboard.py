"""The EM portfolio dashboard: one page for all the viewer's teams (``/dashboard/``) or one
team (``/teams/<KEY>/dashboard/``), and its initiatives table as CSV. The same figures are
JSON at ``/api/v1/portfolio/`` (``api.v1.portfolio``). Every figure comes from
``dashboard.summary``; this module only picks the teams, draws the charts and renders."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from initiatives.dashboard import charts
from initiatives.dashboard.summary import (
    TABLE_FILTERS,
    initiatives_table,
    summary_for_teams,
)
from initiatives.models import Health, State, Team
from initiatives.policies.selectors import policy_flow
from initiatives.rules.permissions import is_contributor
from initiatives.rules.workflow import DUE_SOON_DAYS
from initiatives.selectors.portfolio import MemberTeam, member_teams
from initiatives.selectors.versions import loaded_version, read_key, remember
from initiatives.transfer.lists import safe_cell
from initiatives.web.views.intake import dashboard_intake

# The Flow section lists the policy overrides of this many days.
POLICY_FLOW_DAYS = 90

STATE_COLORS = {
    State.DISCOVERY: "#8c959f",
    State.SCOPING: "#bf8700",
    State.READY: "#0969da",
    State.IN_DELIVERY: "#8250df",
    State.DONE: "#1a7f37",
    State.PAUSED: "#6e7781",
    State.CANCELLED: "#afb8c1",
}
HEALTH_LABELS = {**dict(Health.choices), "none": "No update yet"}
CSV_COLUMNS = (
    ("key", "Key"),
    ("title", "Title"),
    ("team", "Team"),
    ("state", "State"),
    ("health", "Health"),
    ("dri", "DRI"),
    ("current_milestone", "Current milestone"),
    ("current_milestone_due", "Milestone due"),
    ("progress", "Progress %"),
    ("tasks_closed", "Tasks closed"),
    ("tasks_total", "Tasks total"),
    ("dor_percent", "DoR %"),
    ("dod_percent", "DoD %"),
    ("last_update_week", "Last update"),
    ("stale", "Stale"),
    ("target_date", "Target date"),
)


def _teams_or_404(request: HttpRequest, key: str | None) -> list[MemberTeam]:
    """The viewer's teams (only ``key`` if given), with their role in each."""
    teams = member_teams(request.user, key.upper() if key else None)
    if key and not teams:
        raise Http404("No such team.")
    return teams


def _add_labels(value: Any) -> None:
    """Give every row that has a ``state`` or ``health`` its display label (for the page)."""
    if isinstance(value, list):
        for item in value:
            _add_labels(item)
    elif isinstance(value, dict):
        for item in list(value.values()):
            _add_labels(item)
        if isinstance(value.get("state"), str) and value["state"] in State.values:
            value["state_label"] = State(value["state"]).label
        if isinstance(value.get("health"), str) and value["health"] in Health.values:
            value["health_label"] = Health(value["health"]).label


def _safe_url(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


# Where each bounded list of the page continues: the team board's table, sorted or filtered
# to match the list. (The all-teams page has no single board: it points to the teams.)
MORE_LINKS = {
    "red_and_yellow": {"sort": "-health"},
    "missing_updates": {"sort": "updated"},
    "gate_waits": {"sort": "dor"},
    "milestones_due": {"sort": "milestone"},
    "timeline": {"sort": "milestone"},
    "heatmap": {"sort": "-health"},
    "drift": {"health": "on_track"},
    "slips_by_initiative": {"sort": "milestone"},
    "wip": {},
    "overrides_and_waivers": {},
}


def _more(summary: dict[str, Any], teams: list[Team], key: str | None, filters: dict) -> dict:
    """For every list the page cut short, how many rows it left out and where they are."""
    totals = summary["totals"]
    shown = {
        "red_and_yellow": len(summary["now"]["red_and_yellow"]),
        "missing_updates": len(summary["now"]["missing_updates"]),
        "gate_waits": len(summary["now"]["gate_waits"]),
        "overrides_and_waivers": len(summary["now"]["overrides_and_waivers"]),
        "milestones_due": len(summary["dates"]["milestones_due"]),
        "slips_by_initiative": len(summary["dates"]["slips_by_initiative"]),
        "timeline": len(summary["dates"]["timeline"]["rows"]),
        "heatmap": len(summary["history"]["heatmap"]),
        "drift": len(summary["drift"]),
        "wip": len(summary["flow"]["wip"]),
        "initiatives": len(summary["initiatives"]),
    }
    board = _safe_url("team-detail", team_key=teams[0].key) if key else ""
    elsewhere = board or _safe_url("team-list")
    more = {}
    for name, count in shown.items():
        left = totals[name] - count
        if left <= 0:
            continue
        if name == "initiatives":
            board_filters = {
                k: v for k, v in filters.items() if k in ("state", "health") and v != "none"
            }
            url = f"{board}?{urlencode({'view': 'table', **board_filters})}" if board else ""
        elif board:
            url = f"{board}?{urlencode({'view': 'table', **MORE_LINKS[name]})}"
        else:
            url = elsewhere
        more[name] = {"count": left, "total": totals[name], "url": url}
    return more


# The rendered body is cached (selectors.versions) under the teams' version and the hour
# (figures such as "waiting N days"), the filters and the viewer's contributor teams.
@login_required
def dashboard(request: HttpRequest, key: str | None = None) -> HttpResponse:
    memberships = _teams_or_404(request, key)
    if not memberships:
        return render(request, "dashboard/no_teams.html", status=200)
    teams = [m.team for m in memberships]
    filters = {n: request.GET[n] for n in TABLE_FILTERS if request.GET.get(n)}
    contributors = {m.team.key for m in memberships if is_contributor(m.role)}
    tz = teams[0].tz if len(teams) == 1 else timezone.get_current_timezone()
    team_ids = sorted(t.pk for t in teams)
    version = loaded_version(teams)  # the team rows were read just now, with the memberships
    cache_key = read_key(
        "dashboard-body",
        request.path,
        team_ids,
        version,
        timezone.localtime(timezone.now(), tz).strftime("%Y-%m-%dT%H"),
        sorted(filters.items()),
        sorted(contributors),
    )

    def build() -> str:
        context = _body_context(request, teams, key, filters, contributors, version)
        return mark_safe(render_to_string("dashboard/_body.html", context, request=request))

    body = remember(cache_key, build)
    context = {"team": teams[0] if key else None, "body": body}
    return render(request, "dashboard/dashboard.html", context)


def _body_context(
    request: HttpRequest,
    teams: list[Team],
    key: str | None,
    filters: dict[str, str],
    contributors: set[str],
    version: int,
) -> dict[str, Any]:
    summary = summary_for_teams(teams, params=filters, version=version)
    here = request.path
    for section in ("missing_updates", "gate_waits", "red_and_yellow"):
        for row in summary["now"][section]:
            row["can_act"] = row["team"] in contributors
            row["update_url"] = _safe_url("status-update", key=row["key"])
    _add_labels(summary)
    for milestone in summary["dates"]["milestones_due"]:
        milestone["days_late"] = -milestone["days_left"]
    csv_url = (
        reverse("team-dashboard-csv", kwargs={"key": teams[0].key})
        if key
        else reverse("dashboard-csv")
    )
    csv_url += f"?{urlencode(filters)}" if filters else ""
    return {
        "teams": teams,
        "team": teams[0] if key else None,
        "summary": summary,
        "totals": summary["totals"],
        "more": _more(summary, teams, key, filters),
        "charts": build_charts(summary, here),
        "table": summary["initiatives"],
        "filters": filters,
        "csv_url": csv_url,
        "new_initiative_url": (
            _safe_url("initiative-create", team_key=teams[0].key)
            if key and teams[0].key in contributors
            else ""
        ),
        "can_act": bool(contributors),
        "health_labels": HEALTH_LABELS,
        "active_total": sum(summary["now"]["by_health"].values()),
        "due_soon_days": DUE_SOON_DAYS,
        "intake": dashboard_intake(teams),
        # Flow: WIP limit breaches and policy overrides (initiatives.policies).
        "policy_flow": policy_flow(
            [t.pk for t in teams], timezone.now() - dt.timedelta(days=POLICY_FLOW_DAYS)
        ),
        "policy_flow_days": POLICY_FLOW_DAYS,
    }


@login_required
def dashboard_csv(request: HttpRequest, key: str | None = None) -> HttpResponse:
    """The whole initiatives table (with the page's filters) as CSV."""
    teams = [m.team for m in _teams_or_404(request, key)]
    rows = initiatives_table([t.pk for t in teams], request.GET) if teams else []
    name = f"{teams[0].key.lower() if key else 'portfolio'}-initiatives-{timezone.localdate()}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for row in rows:
        writer.writerow([_csv_cell(name, row[name]) for name, _ in CSV_COLUMNS])
    return response


def _csv_cell(name: str, value: Any) -> str:
    return safe_cell(value["name"] if name == "dri" else value)


# --- Charts ----------------------------------------------------------------------------------


def _list_link(here: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{here}?{query}#initiatives"


def build_charts(summary: dict[str, Any], here: str) -> dict[str, str]:
    """The dashboard's SVG charts; each mark links to the list behind it."""
    now, history, flow = summary["now"], summary["history"], summary["flow"]
    by_state = charts.bar_chart(
        "Initiatives by state",
        [
            charts.Bar(
                State(s).label, n, _list_link(here, state=s), STATE_COLORS.get(s, charts.BLUE)
            )
            for s, n in now["by_state"].items()
        ],
    )
    by_health = charts.bar_chart(
        "Active initiatives by health",
        [
            charts.Bar(
                HEALTH_LABELS[h],
                n,
                _list_link(here, health=h),
                charts.HEALTH_COLORS.get(h, charts.GREY),
            )
            for h, n in now["by_health"].items()
        ],
    )
    weeks = history["weeks"]
    heatmap = charts.heatmap(
        f"Weekly health, {weeks[0]} to {weeks[-1]}",
        weeks,
        [
            charts.HeatRow(
                f"{row['key']} {row['title']}",
                [
                    charts.Cell(
                        f"{week}: {Health(h).label if h else 'no update'}",
                        charts.HEALTH_COLORS[h],
                    )
                    for week, h in zip(weeks, row["cells"], strict=True)
                ],
                href=row["url"],
            )
            for row in history["heatmap"]
        ],
    )
    share = charts.stacked_columns(
        "Share of on track, at risk and off track updates per week",
        [
            charts.Column(
                w["week"],
                [
                    charts.Segment(Health(h).label, w[h], charts.HEALTH_COLORS[h])
                    for h in ("on_track", "at_risk", "off_track")
                ],
                href="#heatmap",
            )
            for w in history["health_share"]
        ],
    )
    timeline = summary["dates"]["timeline"]
    gantt = charts.gantt(
        "Milestones of active initiatives, next quarter",
        [
            charts.GanttRow(
                f"{row['key']} {row['title']}",
                [
                    charts.GanttBar(
                        m["title"],
                        m["start"],
                        m["due_date"],
                        charts.RED
                        if m["overdue"]
                        else (charts.YELLOW if m["slip_count"] else charts.BLUE),
                        note=(
                            " (overdue)"
                            if m["overdue"]
                            else f" (slipped {m['slip_count']}x since it started)"
                            if m["slip_count"]
                            else ""
                        ),
                    )
                    for m in row["milestones"]
                ],
                href=row["url"],
            )
            for row in timeline["rows"]
        ],
        start=timeline["start"],
        end=timeline["end"],
        today=summary["today"],
    )
    slips = charts.bar_chart(
        "Days slipped per initiative",
        [
            charts.Bar(
                s["key"],
                s["slip_days"],
                s["url"],
                charts.YELLOW,
                text=f"+{s['slip_days']} days, {s['slip_count']} slip(s); "
                f"{s['pull_in_count']} pull-in(s), -{s['pull_in_days']} days; "
                f"net {s['net_days']:+d} days",
            )
            for s in summary["dates"]["slips_by_initiative"]
        ],
        label_width=80,
    )
    wip = charts.bar_chart(
        "Work in progress per person",
        [
            charts.Bar(
                p["name"],
                p["dri_in_delivery"] + p["open_tasks"],
                _list_link(here, dri=p["username"]),
                charts.BLUE,
                text=f"{p['dri_in_delivery']} as DRI, {p['open_tasks']} open tasks",
            )
            for p in flow["wip"]
        ],
        width=460,
    )
    states = flow["time_in_state"]["states"]
    time_in_state = charts.spread_chart(
        "Days spent in each state by initiatives finished in the last two quarters",
        [
            charts.Spread(
                State(s["state"]).label,
                s["min"] or 0,
                s["p25"] or 0,
                s["median"] or 0,
                s["p75"] or 0,
                s["max"] or 0,
                s["count"],
            )
            for s in states
        ],
        href=_list_link(here, state=State.DONE),
    )
    finished = charts.bar_chart(
        "Initiatives finished per month",
        [
            charts.Bar(m["month"], m["count"], _list_link(here, state=State.DONE), charts.GREEN)
            for m in flow["finished_per_month"]
        ],
        label_width=70,
        width=300,
    )
    overrides = charts.bar_chart(
        "Gate overrides per quarter",
        [
            charts.Bar(q["quarter"], q["count"], "#overrides", charts.RED)
            for q in summary["gates"]["overrides_per_quarter"]
        ],
        label_width=70,
        width=300,
    )
    return {
        "by_state": by_state,
        "by_health": by_health,
        "heatmap": heatmap,
        "share": share,
        "gantt": gantt,
        "slips": slips,
        "wip": wip,
        "time_in_state": time_in_state,
        "finished": finished,
        "overrides": overrides,
    }
