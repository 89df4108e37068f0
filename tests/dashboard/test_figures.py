"""Every figure of the dashboard against values computed by hand (see ``conftest.py``)."""

import datetime as dt

import pytest

from initiatives.dashboard.summary import portfolio_summary
from tests.dashboard.conftest import NOW


@pytest.fixture
def summary(portfolio):
    return portfolio_summary([portfolio.team.pk], now=NOW, tz=dt.UTC)


def keys(rows):
    return [r["key"] for r in rows]


def test_counts_by_state_and_health(summary):
    assert summary["now"]["by_state"] == {
        "discovery": 1,
        "scoping": 1,
        "ready": 0,
        "in_delivery": 1,
        "done": 2,
        "paused": 0,
        "cancelled": 0,
    }
    assert summary["now"]["by_health"] == {"on_track": 1, "at_risk": 1, "off_track": 0, "none": 0}


def test_red_and_yellow_first_with_their_latest_risks(summary):
    (row,) = summary["now"]["red_and_yellow"]
    assert (row["key"], row["health"], row["risks"]) == (
        "PLAT-4",
        "at_risk",
        "Vendor contract unsigned",
    )


def test_missing_updates_this_week(summary):
    assert keys(summary["now"]["missing_updates"]) == ["PLAT-4"]


def test_gate_waits_with_missing_items_and_pending_signoffs(summary):
    waits = summary["now"]["gate_waits"]
    # C (PLAT-3) is in delivery with open milestones: delivering, not waiting at the DoD.
    assert [(w["key"], w["gate"], w["waiting_days"]) for w in waits] == [
        ("PLAT-4", "ready", 28.1),  # Feb 4 09:00 (entered scoping) to Mar 4 12:00
    ]
    assert waits[0]["pending_signoffs"] == ["security"]
    assert waits[0]["missing"] > 0


def test_overrides_and_waivers_of_the_last_30_days(summary):
    events = summary["now"]["overrides_and_waivers"]
    assert [(e["kind"], e["initiative"], e["when"].date()) for e in events] == [
        ("override", "PLAT-1", dt.date(2026, 2, 19)),
        ("waiver", "PLAT-4", dt.date(2026, 2, 10)),
        ("waiver", "PLAT-4", dt.date(2026, 2, 10)),
    ]


def test_milestones_due_and_slips(summary):
    dates = summary["dates"]
    assert [
        (m["milestone"], m["overdue"], m["days_left"], m["slip_count"], m["slip_days"])
        for m in dates["milestones_due"]
    ] == [("C pilot", True, -12, 0, 0), ("C GA", False, 12, 1, 6)]
    assert [
        (s["key"], s["slip_count"], s["slip_days"], s["pull_in_count"], s["net_days"])
        for s in dates["slips_by_initiative"]
    ] == [("PLAT-3", 1, 6, 0, 6)]
    (moved,) = dates["most_moved_milestones"]
    assert (moved["milestone"], moved["committed_date"], moved["due_date"]) == (
        "C GA",
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 16),
    )


def test_timeline_of_active_initiatives_milestones(summary):
    (row,) = summary["dates"]["timeline"]["rows"]
    assert row["key"] == "PLAT-3"
    assert [(m["title"], m["start"], m["due_date"], m["overdue"]) for m in row["milestones"]] == [
        ("C pilot", dt.date(2026, 2, 20), dt.date(2026, 2, 20), True),
        ("C GA", dt.date(2026, 2, 2), dt.date(2026, 3, 16), False),  # started Feb 2
    ]


def test_health_heatmap_and_share_per_week(summary):
    history = summary["history"]
    assert history["weeks"][0] == "2025-W51" and history["weeks"][-1] == "2026-W10"
    cells = {row["key"]: row["cells"] for row in history["heatmap"]}
    # Active, or updated in the window; active ones first, worst health first.
    assert list(cells) == ["PLAT-4", "PLAT-3", "PLAT-1"]
    week = {w: i for i, w in enumerate(history["weeks"])}
    assert cells["PLAT-1"][week["2026-W05"]] == "on_track"
    assert cells["PLAT-1"][week["2026-W06"]] == "off_track"
    assert cells["PLAT-3"][week["2026-W08"] : week["2026-W10"] + 1] == [
        "on_track",
        None,
        "on_track",
    ]
    assert cells["PLAT-4"][week["2026-W08"] : week["2026-W10"] + 1] == ["on_track", "at_risk", None]
    assert sum(c is not None for row in cells.values() for c in row) == 6
    share = {
        w["week"]: (w["on_track"], w["at_risk"], w["off_track"]) for w in history["health_share"]
    }
    assert share["2026-W05"] == (1, 0, 0)
    assert share["2026-W06"] == (0, 0, 1)
    assert share["2026-W08"] == (2, 0, 0)
    assert share["2026-W09"] == (0, 1, 0)
    assert share["2026-W10"] == (1, 0, 0)
    assert share["2026-W07"] == (0, 0, 0)
    w09 = next(w for w in history["health_share"] if w["week"] == "2026-W09")
    assert w09["percent"] == {"on_track": 0, "at_risk": 100, "off_track": 0}


def test_gate_waits_median_and_longest(summary):
    waits = summary["gates"]["waits"]
    # DoR: A 10 days (Jan 7 to 17), B 6, C 8 (Jan 12 to 20); D still waiting 28.1 days.
    assert waits["ready"]["passed"] == 3
    assert waits["ready"]["median_days"] == 8.0
    assert waits["ready"]["max_days"] == 10.0
    assert waits["ready"]["longest_waiting"]["key"] == "PLAT-4"
    assert waits["ready"]["longest_waiting"]["days"] == 28.1
    # DoD: from the moment every milestone was complete, not from entering delivery. A 10
    # days (its only milestone completed Feb 9, done Feb 19); B 0 (no milestone: never ready
    # to be closed before its done); C is still delivering (open milestones): not waiting.
    assert waits["done"]["passed"] == 2
    assert waits["done"]["median_days"] == 5.0
    assert waits["done"]["max_days"] == 10.0
    assert waits["done"]["waiting_now"] == 0
    assert waits["done"]["longest_waiting"] is None


def test_most_waived_and_last_ticked_items(summary):
    gates = summary["gates"]
    assert [(i["text"], i["count"]) for i in gates["most_waived"]] == [
        ("Cost projection", 2),
        ("MVP definition", 1),
    ]
    # Context: 1 day on A, 10 days on D -> median 5.5; Business impact: 1 day on D.
    assert [(i["text"], i["median_days"], i["count"]) for i in gates["last_ticked"]] == [
        ("Context behind the project", 5.5, 2),
        ("Business impact", 1.0, 1),
    ]


def test_overrides_per_quarter(summary):
    assert summary["gates"]["overrides_per_quarter"] == [
        {"quarter": "2025-Q2", "count": 0},
        {"quarter": "2025-Q3", "count": 0},
        {"quarter": "2025-Q4", "count": 1},  # B ready
        {"quarter": "2026-Q1", "count": 4},  # A ready and done, B done, C ready
    ]


def test_health_drift_flags_on_track_initiatives_with_evidence(summary):
    (row,) = summary["drift"]
    assert row["key"] == "PLAT-3"
    evidence = {e["kind"]: e["text"] for e in row["evidence"]}
    assert evidence == {
        "overdue_milestone": "Milestone “C pilot” was due 2026-02-20 (12 days ago).",
        "recent_slip": "Milestone “C GA” slipped from 2026-03-10 to 2026-03-16 on 2026-02-25.",
        "no_task_progress": "No task has moved since 2026-02-01 (31 days); 2 still open.",
    }


def test_work_in_progress_per_person(summary):
    assert [
        (p["username"], p["dri_in_delivery"], p["open_tasks"]) for p in summary["flow"]["wip"]
    ] == [("dri", 1, 1), ("eng", 0, 1)]


def test_time_in_each_state_of_finished_initiatives(summary):
    flow = summary["flow"]["time_in_state"]
    assert flow["finished"] == 2
    states = {s["state"]: s for s in flow["states"]}
    # A: discovery 2, scoping 10, ready 3, in delivery 30. B: 4, 6, 1, 10 + 27, paused 10.
    assert (
        states["discovery"]["median"],
        states["discovery"]["min"],
        states["discovery"]["max"],
    ) == (3.0, 2.0, 4.0)
    assert states["scoping"]["median"] == 8.0
    assert states["ready"]["median"] == 2.0
    assert (
        states["in_delivery"]["median"],
        states["in_delivery"]["p25"],
        states["in_delivery"]["p75"],
    ) == (33.5, 31.8, 35.2)
    assert (states["paused"]["count"], states["paused"]["median"]) == (1, 10.0)


def test_finished_per_month(summary):
    assert summary["flow"]["finished_per_month"] == [
        {"month": "2025-10", "count": 0},
        {"month": "2025-11", "count": 0},
        {"month": "2025-12", "count": 0},
        {"month": "2026-01", "count": 1},
        {"month": "2026-02", "count": 1},
        {"month": "2026-03", "count": 0},
    ]


def test_initiatives_table(summary):
    table = {r["key"]: r for r in summary["initiatives"]}
    assert list(table) == ["PLAT-1", "PLAT-2", "PLAT-3", "PLAT-4", "PLAT-5"]
    assert (table["PLAT-3"]["current_milestone"], table["PLAT-3"]["progress"]) == ("C pilot", 0)
    assert table["PLAT-3"]["tasks_total"] == 2
