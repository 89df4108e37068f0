"""The digest and the dashboard (and so ``/api/v1/portfolio/``) answer with the same rules for
the same data: worst health first, due soon, waiting at a gate and stale come from
``rules.workflow`` and the shared selector rows, never from copies of their own."""

import datetime as dt

import pytest

from initiatives import services
from initiatives.dashboard.summary import portfolio_summary
from initiatives.models import State, Team
from initiatives.rules.workflow import DUE_SOON_DAYS, blocking_gate, due_status
from initiatives.weekly.digest import build_digest
from tests.factories import make_initiative
from tests.weekly.conftest import delivering, move, post, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"  # Mon 16 Nov - Sun 22 Nov 2026
POSTED = utc("2026-11-18 10:00")
SENT = utc("2026-11-23 09:00")  # the digest goes out on the Monday after the week
TODAY = SENT.date()


def both():
    """The digest of WEEK and the dashboard's figures, as of the moment the digest is sent."""
    team = Team.objects.get(key="PLAT")
    with travel(SENT):
        return build_digest(team, WEEK), portfolio_summary([team.pk], now=SENT, tz=dt.UTC)


def test_worst_health_first_in_the_digest_and_the_dashboard(team, people):
    dri, em = people["dri"], people["em"]
    healths = {"Amber": "at_risk", "Red one": "off_track", "Green": "on_track",
               "Red two": "off_track", "Silent": ""}  # fmt: skip
    with travel(POSTED):
        made = {title: delivering(team, dri, em, title) for title in healths}
        for title, health in healths.items():
            if health:
                post(made[title], dri, WEEK, health, POSTED)

    digest, summary = both()

    digest_order = [r.initiative.title for r in digest.rows]
    assert digest_order == ["Red one", "Red two", "Amber", "Green", "Silent"]
    red_and_yellow = [r["title"] for r in summary["now"]["red_and_yellow"]]
    assert red_and_yellow == [t for t in digest_order if healths[t] in ("off_track", "at_risk")]


def test_due_soon_is_the_same_fourteen_days_in_the_digest_and_the_dashboard(team, people):
    dri, em = people["dri"], people["em"]
    due = {
        "Overdue": TODAY - dt.timedelta(days=1),
        "Last day": TODAY + dt.timedelta(days=DUE_SOON_DAYS),
        "Too far": TODAY + dt.timedelta(days=DUE_SOON_DAYS + 1),
    }
    with travel(POSTED):
        initiative = delivering(team, dri, em, "Dated")
        for title, day in due.items():
            services.milestone_create(initiative=initiative, actor=dri, title=title, due_date=day)

    digest, summary = both()

    expected = [("Overdue", True), ("Last day", False)]
    assert [(m.title, m.overdue) for m in digest.milestones] == expected
    dashboard = summary["dates"]["milestones_due"]
    assert [(m["milestone"], m["overdue"]) for m in dashboard] == expected
    assert [due_status(day, TODAY) for day in due.values()] == ["overdue", "due_soon", ""]


def test_the_same_initiatives_wait_at_the_same_gates(team, people):
    dri, em = people["dri"], people["em"]
    with travel(POSTED):
        move(make_initiative(team, dri, title="Scoping"), dri, State.SCOPING)
        move(make_initiative(team, dri, title="Ready"), em, State.SCOPING, State.READY)
        delivering(team, dri, em, "Delivering")  # no milestone complete: not waiting yet
        closable = delivering(team, dri, em, "Closable")
        only = services.milestone_create(
            initiative=closable, actor=dri, title="Only", due_date=TODAY
        )
        services.milestone_transition(milestone=only, actor=dri, to="in_progress")
        services.milestone_transition(milestone=only, actor=dri, to="done")
        make_initiative(team, dri, title="Discovery")

    digest, summary = both()

    in_digest = [(w.row.title, w.gate.kind) for w in digest.gate_waits]
    assert in_digest == [("Scoping", "ready"), ("Closable", "done")]
    assert [(w["title"], w["gate"]) for w in summary["now"]["gate_waits"]] == in_digest
    assert all(w.gate.kind == blocking_gate(w.row.state) for w in digest.gate_waits)


def test_stale_is_the_shared_rows_flag_in_the_digest_and_the_dashboard(team, people):
    dri, em = people["dri"], people["em"]
    with travel(utc("2026-10-28 10:00")):  # 2026-W44
        quiet = delivering(team, dri, em, "Quiet")
        fresh = delivering(team, dri, em, "Fresh")
        post(quiet, dri, "2026-W44", "on_track", utc("2026-10-28 10:00"))
    with travel(POSTED):
        post(fresh, dri, WEEK, "on_track", POSTED)

    digest, summary = both()

    in_digest = {r.initiative.title: r.stale for r in digest.rows}
    assert in_digest == {"Quiet": True, "Fresh": False}
    assert {r["title"]: r["stale"] for r in summary["initiatives"]} == in_digest
