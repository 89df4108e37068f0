"""The EM portfolio dashboard: one page for all the viewer's teams (``/dashboard/``) or one
team (``/teams/<KEY>/dashboard/``), its initiatives table as CSV, and the same figures as JSON
(``/api/v1/portfolio/``). Every figure comes from ``selectors.dashboard.portfolio_summary``;
this module only picks the teams, draws the charts and renders."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import charts
from ..api.serializers import ErrorSerializer
from ..models import ChecklistKind, Health, MilestoneState, Role, State, Team
from ..selectors.dashboard import portfolio_summary
from ..selectors.portfolio import teams_for

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
TABLE_FILTERS = ("state", "health", "dri")
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


def _summary_for(teams: list[Team]) -> dict[str, Any]:
    """The figures for ``teams``, with dates in the team's time zone when there is one."""
    tz = teams[0].tz if len(teams) == 1 else None
    return portfolio_summary([t.pk for t in teams], now=timezone.now(), tz=tz)


def _teams_or_404(request: HttpRequest, key: str | None) -> list[Team]:
    teams = teams_for(request.user, key.upper() if key else None)
    if key and not teams:
        raise Http404("No such team.")
    return teams


def _filtered(rows: list[dict[str, Any]], params: Any) -> list[dict[str, Any]]:
    for name in TABLE_FILTERS:
        wanted = params.get(name)
        if not wanted:
            continue
        if name == "dri":
            rows = [r for r in rows if r["dri"]["username"] == wanted]
        elif name == "health" and wanted == "none":
            rows = [r for r in rows if not r["health"]]
        else:
            rows = [r for r in rows if r[name] == wanted]
    return rows


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


@login_required
def dashboard(request: HttpRequest, key: str | None = None) -> HttpResponse:
    teams = _teams_or_404(request, key)
    if not teams:
        return render(request, "dashboard/no_teams.html", status=200)
    summary = _summary_for(teams)
    here = request.path
    contributors = {t.key for t in teams if t.role != Role.VIEWER}
    for section in ("missing_updates", "gate_waits", "red_and_yellow"):
        for row in summary["now"][section]:
            row["can_act"] = row["team"] in contributors
            row["update_url"] = _safe_url("status-update", key=row["key"])
    _add_labels(summary)
    for milestone in summary["dates"]["milestones_due"]:
        milestone["days_late"] = -milestone["days_left"]
    table = _filtered(summary["initiatives"], request.GET)
    csv_url = (
        reverse("team-dashboard-csv", kwargs={"key": teams[0].key})
        if key
        else reverse("dashboard-csv")
    )
    context = {
        "teams": teams,
        "team": teams[0] if key else None,
        "summary": summary,
        "charts": build_charts(summary, here),
        "table": table,
        "filters": {n: request.GET[n] for n in TABLE_FILTERS if request.GET.get(n)},
        "csv_url": csv_url + (f"?{request.GET.urlencode()}" if request.GET else ""),
        "new_initiative_url": (
            _safe_url("initiative-create", team_key=teams[0].key)
            if key and teams[0].key in contributors
            else ""
        ),
        "can_act": bool(contributors),
        "health_labels": HEALTH_LABELS,
        "active_total": sum(summary["now"]["by_health"].values()),
    }
    return render(request, "dashboard/dashboard.html", context)


@login_required
def dashboard_csv(request: HttpRequest, key: str | None = None) -> HttpResponse:
    """The initiatives table (with the page's filters) as CSV."""
    teams = _teams_or_404(request, key)
    rows = _filtered(_summary_for(teams)["initiatives"], request.GET) if teams else []
    name = f"{teams[0].key.lower() if key else 'portfolio'}-initiatives-{timezone.localdate()}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for row in rows:
        writer.writerow([_csv_cell(name, row[name]) for name, _ in CSV_COLUMNS])
    return response


def _csv_cell(name: str, value: Any) -> str:
    if name == "dri":
        value = value["name"]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = "" if value is None else str(value)
    # A leading =, +, - or @ makes spreadsheets evaluate the cell as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


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
                            else f" (moved {m['slip_count']}x from {m['original_due_date']})"
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
        "Days moved per initiative",
        [
            charts.Bar(
                s["key"],
                s["slip_days"],
                s["url"],
                charts.YELLOW,
                text=f"{s['slip_days']} days, {s['slip_count']} slip(s)",
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


# --- The JSON twin: /api/v1/portfolio/ -------------------------------------------------------
#
# Response-only serializers: they document the plain data of ``portfolio_summary`` for the
# OpenAPI schema (the view returns that data as is; ``tests/api/test_schemathesis.py`` checks
# real answers against them).

GATE_CHOICES = ["ready", "done"]


class PortfolioPersonSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Empty when nobody is assigned.")
    name = serializers.CharField()


class PortfolioInitiativeSerializer(serializers.Serializer):
    """An initiative as every list of the dashboard shows it."""

    key = serializers.CharField()
    url = serializers.CharField(help_text="Its web page.")
    title = serializers.CharField()
    team = serializers.CharField(help_text="The team's key.")
    state = serializers.ChoiceField(choices=State.choices)
    health = serializers.ChoiceField(
        choices=Health.choices, allow_null=True, help_text="From the latest status update."
    )
    dri = PortfolioPersonSerializer()


class PortfolioByStateSerializer(serializers.Serializer):
    discovery = serializers.IntegerField()
    scoping = serializers.IntegerField()
    ready = serializers.IntegerField()
    in_delivery = serializers.IntegerField()
    done = serializers.IntegerField()
    paused = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class PortfolioHealthCountsSerializer(serializers.Serializer):
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    off_track = serializers.IntegerField()


class PortfolioByHealthSerializer(PortfolioHealthCountsSerializer):
    none = serializers.IntegerField(help_text="Active initiatives with no status update yet.")


class PortfolioRedAndYellowSerializer(PortfolioInitiativeSerializer):
    risks = serializers.CharField(help_text="The risks of its latest status update.")
    last_update_week = serializers.CharField(help_text="ISO week, e.g. `2026-W10`; or empty.")


class PortfolioMissingUpdateSerializer(PortfolioInitiativeSerializer):
    week = serializers.CharField(help_text="The current ISO week in the team's time zone.")
    last_update_week = serializers.CharField()


class PortfolioGateWaitSerializer(PortfolioInitiativeSerializer):
    gate = serializers.ChoiceField(choices=GATE_CHOICES)
    missing = serializers.IntegerField(help_text="Required items not satisfied.")
    pending_signoffs = serializers.ListField(child=serializers.CharField())
    percent = serializers.IntegerField()
    waiting_days = serializers.FloatField()


class PortfolioOverrideSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    verb = serializers.CharField(
        help_text="`initiative.gate_overridden` or `checklist_item.waived`."
    )
    kind = serializers.CharField(help_text="`override` or `waiver`.")
    initiative = serializers.CharField(allow_null=True)
    initiative_url = serializers.CharField(allow_null=True)
    actor = PortfolioPersonSerializer()
    summary = serializers.CharField()
    reason = serializers.CharField()


class PortfolioNowSerializer(serializers.Serializer):
    by_state = PortfolioByStateSerializer()
    by_health = PortfolioByHealthSerializer(help_text="Active initiatives only.")
    red_and_yellow = PortfolioRedAndYellowSerializer(many=True)
    missing_updates = PortfolioMissingUpdateSerializer(many=True)
    gate_waits = PortfolioGateWaitSerializer(many=True)
    overrides_and_waivers = PortfolioOverrideSerializer(many=True, help_text="Last 30 days.")


class PortfolioMilestoneDueSerializer(serializers.Serializer):
    initiative = serializers.CharField()
    initiative_url = serializers.CharField()
    initiative_title = serializers.CharField()
    dri = PortfolioPersonSerializer()
    milestone = serializers.CharField()
    state = serializers.ChoiceField(choices=MilestoneState.choices)
    due_date = serializers.DateField()
    overdue = serializers.BooleanField()
    days_left = serializers.IntegerField(help_text="Negative when overdue.")
    slip_count = serializers.IntegerField()
    slip_days = serializers.IntegerField()


class PortfolioSlipsSerializer(PortfolioInitiativeSerializer):
    slip_count = serializers.IntegerField()
    slip_days = serializers.IntegerField()


class PortfolioMovedMilestoneSerializer(serializers.Serializer):
    initiative = serializers.CharField()
    initiative_url = serializers.CharField()
    milestone = serializers.CharField()
    original_due_date = serializers.DateField()
    due_date = serializers.DateField()
    slip_count = serializers.IntegerField()
    slip_days = serializers.IntegerField()


class PortfolioTimelineBarSerializer(serializers.Serializer):
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=MilestoneState.choices)
    start = serializers.DateField()
    due_date = serializers.DateField()
    original_due_date = serializers.DateField()
    overdue = serializers.BooleanField()
    slip_count = serializers.IntegerField()


class PortfolioTimelineRowSerializer(PortfolioInitiativeSerializer):
    milestones = PortfolioTimelineBarSerializer(many=True)


class PortfolioTimelineSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    rows = PortfolioTimelineRowSerializer(many=True)


class PortfolioDatesSerializer(serializers.Serializer):
    milestones_due = PortfolioMilestoneDueSerializer(many=True)
    slips_by_initiative = PortfolioSlipsSerializer(many=True)
    most_moved_milestones = PortfolioMovedMilestoneSerializer(many=True)
    timeline = PortfolioTimelineSerializer()


class PortfolioHeatmapRowSerializer(PortfolioInitiativeSerializer):
    cells = serializers.ListField(
        child=serializers.ChoiceField(choices=Health.choices, allow_null=True),
        help_text="The health reported each week of `weeks` (null: no update).",
    )


class PortfolioHealthShareSerializer(PortfolioHealthCountsSerializer):
    week = serializers.CharField()
    total = serializers.IntegerField()
    percent = PortfolioHealthCountsSerializer()


class PortfolioHistorySerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.CharField(), help_text="Oldest first.")
    heatmap = PortfolioHeatmapRowSerializer(many=True)
    health_share = PortfolioHealthShareSerializer(many=True)


class PortfolioLongestWaitSerializer(PortfolioInitiativeSerializer):
    days = serializers.FloatField()


class PortfolioGateFlowSerializer(serializers.Serializer):
    passed = serializers.IntegerField(help_text="Passes since the start of last quarter.")
    median_days = serializers.FloatField(allow_null=True)
    max_days = serializers.FloatField(allow_null=True)
    waiting_now = serializers.IntegerField()
    longest_waiting = PortfolioLongestWaitSerializer(allow_null=True)


class PortfolioGateWaitsSerializer(serializers.Serializer):
    ready = PortfolioGateFlowSerializer()
    done = PortfolioGateFlowSerializer()


class PortfolioChecklistItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChecklistKind.choices)
    section = serializers.CharField()
    text = serializers.CharField()
    count = serializers.IntegerField()


class PortfolioLastTickedSerializer(PortfolioChecklistItemSerializer):
    median_days = serializers.FloatField(help_text="From the initiative's creation.")


class PortfolioQuarterCountSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="e.g. `2026-Q1`.")
    count = serializers.IntegerField()


class PortfolioGatesSerializer(serializers.Serializer):
    waits = PortfolioGateWaitsSerializer()
    most_waived = PortfolioChecklistItemSerializer(many=True)
    last_ticked = PortfolioLastTickedSerializer(many=True)
    overrides_per_quarter = PortfolioQuarterCountSerializer(many=True)


class PortfolioEvidenceSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="`overdue_milestone`, `recent_slip` or `no_task_progress`."
    )
    text = serializers.CharField()


class PortfolioDriftSerializer(PortfolioInitiativeSerializer):
    evidence = PortfolioEvidenceSerializer(many=True)


class PortfolioWipSerializer(PortfolioPersonSerializer):
    dri_in_delivery = serializers.IntegerField()
    open_tasks = serializers.IntegerField()


class PortfolioStateSpreadSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices)
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True)
    p25 = serializers.FloatField(allow_null=True)
    p75 = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class PortfolioTimeInStateSerializer(serializers.Serializer):
    finished = serializers.IntegerField()
    since = serializers.DateTimeField()
    states = PortfolioStateSpreadSerializer(many=True, help_text="Days in each state.")


class PortfolioMonthCountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="e.g. `2026-03`.")
    count = serializers.IntegerField()


class PortfolioFlowSerializer(serializers.Serializer):
    wip = PortfolioWipSerializer(many=True)
    time_in_state = PortfolioTimeInStateSerializer()
    finished_per_month = PortfolioMonthCountSerializer(many=True)


class PortfolioTableRowSerializer(PortfolioInitiativeSerializer):
    current_milestone = serializers.CharField()
    current_milestone_due = serializers.DateField(allow_null=True)
    progress = serializers.IntegerField(help_text="Percent of tasks closed.")
    tasks_closed = serializers.IntegerField()
    tasks_total = serializers.IntegerField()
    dor_percent = serializers.IntegerField()
    dod_percent = serializers.IntegerField()
    last_update_week = serializers.CharField()
    stale = serializers.BooleanField()
    target_date = serializers.DateField(allow_null=True)


class PortfolioSerializer(serializers.Serializer):
    teams = serializers.ListField(child=serializers.CharField(), help_text="The teams' keys.")
    generated_at = serializers.DateTimeField()
    today = serializers.DateField()
    now = PortfolioNowSerializer()
    dates = PortfolioDatesSerializer()
    history = PortfolioHistorySerializer()
    gates = PortfolioGatesSerializer()
    drift = PortfolioDriftSerializer(many=True)
    flow = PortfolioFlowSerializer()
    initiatives = PortfolioTableRowSerializer(many=True)


class PortfolioAPIView(APIView):
    """``GET /api/v1/portfolio/?team=KEY``: the dashboard's figures for one of the caller's
    teams, or for all of them without ``team``. A team the caller is not in answers 404."""

    @extend_schema(
        summary="The EM dashboard's figures",
        parameters=[
            OpenApiParameter(
                "team",
                str,
                OpenApiParameter.QUERY,
                required=False,
                description="One of the caller's teams (key); all of them if omitted.",
            )
        ],
        responses={
            200: OpenApiResponse(
                PortfolioSerializer,
                description="The figures, as plain data (dates in the team's time zone when "
                "`team` is given).",
            ),
            401: OpenApiResponse(
                ErrorSerializer, description="Missing, invalid, expired or revoked credentials."
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="No such team, or the caller is not a member of it (`not_found`).",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        key = request.query_params.get("team") or None
        teams = teams_for(request.user, key.upper() if key else None)
        if key and not teams:
            raise NotFound("No such team.")
        summary = _summary_for(teams) if teams else portfolio_summary([], now=timezone.now())
        return Response({"teams": [t.key for t in teams], **summary})
