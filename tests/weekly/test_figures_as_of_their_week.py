"""Figures as of their week: the digest of 2026-W47, the dashboard and the API agree on
"overdue", slips, pull-ins and gate waits on one fixed dataset, every figure computed by hand
below. The team is in Auckland (UTC+13 in November), so its date differs from UTC's.

2026-W47 in Auckland: Mon 16 Nov 00:00 NZDT (Sun 15 Nov 11:00 UTC) to Mon 23 Nov 00:00 NZDT
(**Sun 22 Nov 11:00 UTC**, the end of the week). The digest goes out Mon 23 Nov 09:00 NZDT =
**Sun 22 Nov 20:00 UTC** (``SENT``): the team's today is Mon 23 Nov, UTC's still Sun 22 Nov.

- AKL-1 "Slipping", in delivery since Nov 5 03:00. Milestone "Beta" planned Nov 4 for Nov 20,
  moved to Nov 30 while not started (planning: neither slip nor pull-in), started Nov 6,
  slipped to Dec 7 on Nov 17 (+7), pulled in to Dec 3 on Nov 18 (-4): 1 slip of 7 days, 1
  pull-in of 4 days, net +3, committed Nov 30, due Dec 3 (10 days on: due soon). W47 at risk.
- AKL-3 "Late", in delivery. "Cutover" due Sun 22 Nov: overdue for the team on Mon 23 Nov
  (1 day late) although UTC's date is still the 22nd; "Docs" due Sat 28 Nov: in 5 days, not
  overdue. Posted W46 on track, nothing in W47, W48 off track (posted after the week): the
  W47 digest says "last posted 2026-W46 (on track)", not W48.
- AKL-2 "Closing", in delivery since Nov 5 03:00; its only milestone completed Thu 12 Nov
  00:00 UTC, no task yet (so "no more work required" is not met): waiting at the DoD since
  Nov 12 00:00, 10 days 20 hours = 10.8 days at SENT; not since entering delivery (17.7).
- AKL-4 "Scoping", scoping since Nov 9 00:00: waiting at the DoR 13 days 20 hours = 13.8.
- AKL-6 "Later", created Nov 22 12:00 UTC, after the week: not in the W47 digest.
- AKL-5 "Handed over", scoping in W47 with DRI Dana; on Nov 22 13:00 UTC (after the week)
  made ready by override and handed to Ravi: the W47 digest shows it scoping, DRI Dana.
"""

import datetime as dt

import pytest
from django.urls import reverse

from initiatives import services
from initiatives.dashboard.summary import portfolio_summary
from initiatives.models import MilestoneState, Role, State, Team
from initiatives.selectors.my_work import my_work
from initiatives.weekly.digest import build_digest, render_digest_text
from tests.factories import TeamFactory, make_initiative, member
from tests.weekly.conftest import backdate, move, post, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"
END = utc("2026-11-22 11:00")  # Mon 23 Nov 00:00 in Auckland
SENT = utc("2026-11-22 20:00")  # Mon 23 Nov 09:00 in Auckland: the digest's slot
TEAM_TODAY = dt.date(2026, 11, 23)


def day(month: int, d: int) -> dt.date:
    return dt.date(2026, month, d)


@pytest.fixture
def akl(db):
    team = backdate(TeamFactory(key="AKL", name="Auckland", time_zone="Pacific/Auckland"))
    em = member(team, Role.EM, "akl-em")
    dana = member(team, Role.ENGINEER, "dana")
    ravi = member(team, Role.ENGINEER, "ravi")
    made = {}

    def at(text):
        return travel(utc(text))

    def milestone(initiative, title, due):
        return services.milestone_create(
            initiative=initiative, actor=dana, title=title, due_date=due
        )

    def reschedule(ms, due):
        services.milestone_update(
            milestone=ms, actor=dana, changes={"due_date": due}, slip_reason="re-planned"
        )

    def start(ms):
        services.milestone_transition(milestone=ms, actor=dana, to=MilestoneState.IN_PROGRESS)

    with at("2026-11-04 01:00"):
        made["slipping"] = make_initiative(team, dana, title="Slipping")
        beta = milestone(made["slipping"], "Beta", day(11, 20))
    with at("2026-11-04 04:00"):
        reschedule(beta, day(11, 30))  # not started yet: planning
    with at("2026-11-05 03:00"):
        move(made["slipping"], em, State.SCOPING, State.READY, State.IN_DELIVERY)
        made["closing"] = move(make_initiative(team, dana, title="Closing"), em, State.SCOPING,
                               State.READY, State.IN_DELIVERY)  # fmt: skip
        only = milestone(made["closing"], "Only", day(11, 13))
        start(only)
    with at("2026-11-06 00:00"):
        start(beta)
    with at("2026-11-10 00:00"):
        made["late"] = move(make_initiative(team, dana, title="Late"), em, State.SCOPING,
                            State.READY, State.IN_DELIVERY)  # fmt: skip
        start(milestone(made["late"], "Cutover", day(11, 22)))
        milestone(made["late"], "Docs", day(11, 28))
        post(made["late"], dana, "2026-W46", "on_track", utc("2026-11-10 00:00"))
    with at("2026-11-09 00:00"):
        made["scoping"] = move(make_initiative(team, dana, title="Scoping"), em, State.SCOPING)
        made["handed"] = move(make_initiative(team, dana, title="Handed over"), em, State.SCOPING)
    with at("2026-11-12 00:00"):
        services.milestone_transition(milestone=only, actor=dana, to=MilestoneState.DONE)
    with at("2026-11-17 02:00"):
        reschedule(beta, day(12, 7))  # slip +7
    with at("2026-11-18 02:00"):
        reschedule(beta, day(12, 3))  # pull-in -4
        post(made["slipping"], dana, WEEK, "at_risk", utc("2026-11-18 02:00"))
        post(made["handed"], dana, WEEK, "on_track", utc("2026-11-18 02:00"))
        post(made["closing"], dana, WEEK, "on_track", utc("2026-11-18 02:00"))
    # After the week ended (Mon 23 Nov in Auckland): none of this belongs to W47.
    with at("2026-11-22 12:00"):
        made["later"] = move(make_initiative(team, dana, title="Later"), em, State.SCOPING)
    with at("2026-11-22 13:00"):
        move(made["handed"], em, State.READY)
        services.initiative_update(initiative=made["handed"], actor=em, changes={"dri": ravi})
        post(made["late"], dana, "2026-W48", "off_track", utc("2026-11-22 13:00"))
    return team, made


def figures(team):
    with travel(SENT):
        return build_digest(team, WEEK), portfolio_summary([team.pk], now=SENT, tz=dt.UTC)


def test_the_digest_lists_the_initiatives_of_the_week_as_they_were(akl):
    team, _ = akl
    digest, _ = figures(team)
    rows = {r.initiative.title: r for r in digest.rows}
    assert set(rows) == {"Slipping", "Late", "Closing", "Scoping", "Handed over"}  # not Later
    handed = rows["Handed over"]
    assert (handed.state, handed.dri.username, handed.health) == ("scoping", "dana", "on_track")
    late = rows["Late"]
    assert (late.health, late.last_update_week, late.last_health) == ("", "2026-W46", "on_track")
    text = render_digest_text(digest)
    assert "last posted 2026-W46 (on track)" in text and "2026-W48" not in text
    assert "Scoping · DRI Dana" in text  # the state and DRI of the week, not today's


def test_overdue_is_before_the_teams_today_in_digest_dashboard_and_api(akl, client):
    team, _ = akl
    digest, summary = figures(team)
    assert digest.today == TEAM_TODAY
    expected = [("Cutover", True, -1), ("Docs", False, 5), ("Beta", False, 10)]
    assert [(m.title, m.overdue, m.days_left) for m in digest.milestones] == expected
    dashboard = summary["dates"]["milestones_due"]
    assert [(m["milestone"], m["overdue"], m["days_left"]) for m in dashboard] == expected
    api = api_portfolio(client, team)["dates"]["milestones_due"]
    assert [(m["milestone"], m["overdue"], m["days_left"]) for m in api] == expected
    text = render_digest_text(digest)
    assert "22 Nov OVERDUE AKL-3 Cutover" in text and "28 Nov AKL-3 Docs" in text


def test_slips_and_pull_ins_are_counted_apart_with_the_net_drift(akl, client):
    team, _ = akl
    digest, summary = figures(team)
    # Beta: the Nov 4 move before it started is planning; +7 slip, -4 pull-in, net +3.
    beta = next(m for m in digest.milestones if m.title == "Beta")
    assert (beta.slip_count, beta.slip_days, beta.pull_in_count, beta.pull_in_days) == (1, 7, 1, 4)
    assert (beta.net_days, beta.committed_date, beta.due_date) == (3, day(11, 30), day(12, 3))
    row = next(r for r in digest.rows if r.initiative.title == "Slipping")
    assert (row.moves.slips, row.moves.pull_ins, row.moves.net_days) == (1, 1, 3)
    moves = (1, 7, 1, 4, 3)
    keys = ("slip_count", "slip_days", "pull_in_count", "pull_in_days", "net_days")
    (by_initiative,) = summary["dates"]["slips_by_initiative"]
    assert tuple(by_initiative[k] for k in keys) == moves
    api = api_portfolio(client, team)["dates"]
    (api_row,) = api["slips_by_initiative"]
    assert (api_row["key"], *(api_row[k] for k in keys)) == ("AKL-1", *moves)
    api_beta = next(m for m in api["milestones_due"] if m["milestone"] == "Beta")
    assert tuple(api_beta[k] for k in keys) == moves
    assert api_beta["committed_date"] == "2026-11-30"
    text = render_digest_text(digest)
    assert "(slipped once (+7 days), pulled in once (-4 days), net +3 days)" in text
    milestone = client.get(reverse("api-milestone", kwargs={"pk": beta.pk})).json()
    assert [s["kind"] for s in milestone["slips"]] == ["planning", "slip", "pull_in"]
    assert (milestone["slip_count"], milestone["pull_in_count"], milestone["net_days"]) == (1, 1, 3)


def test_gate_waits_start_at_scoping_and_at_the_last_milestone_not_at_delivery(akl, client):
    team, _ = akl
    digest, summary = figures(team)
    # The digest: as of the end of W47 (Later did not exist; Handed over has moved on since).
    assert [(w.row.title, w.gate.kind, w.since) for w in digest.gate_waits] == [
        ("Scoping", "ready", utc("2026-11-09 00:00")),
        ("Closing", "done", utc("2026-11-12 00:00")),
    ]
    # The dashboard: now. Slipping and Late are delivering (open milestones): not waiting.
    dashboard = [(w["title"], w["gate"], w["waiting_days"]) for w in summary["now"]["gate_waits"]]
    assert dashboard == [
        ("Scoping", "ready", 13.8),  # Nov 9 00:00 to Nov 22 20:00
        ("Closing", "done", 10.8),  # Nov 12 00:00 to Nov 22 20:00, not 17.7 from delivery
        ("Later", "ready", 0.3),  # Nov 22 12:00 to 20:00
    ]
    api = api_portfolio(client, team)["now"]["gate_waits"]
    assert [(w["title"], w["gate"], w["waiting_days"]) for w in api] == dashboard
    waits = summary["gates"]["waits"]
    assert (waits["done"]["waiting_now"], waits["done"]["longest_waiting"]["days"]) == (1, 10.8)


def api_portfolio(client, team):
    """``/api/v1/portfolio/?team=AKL`` at ``SENT``, read by the team's EM."""
    client.force_login(team.memberships.get(role=Role.EM).user)
    with travel(SENT):
        response = client.get(reverse("api-portfolio"), {"team": team.key})
    assert response.status_code == 200
    return response.json()


def test_the_same_team_any_time_zone_of_the_page(akl):
    """The dashboard shown in another time zone still judges overdue on the team's date."""
    team, _ = akl
    with travel(SENT):
        summary = portfolio_summary([team.pk], now=SENT, tz=dt.timezone(dt.timedelta(hours=-10)))
    cutover = next(m for m in summary["dates"]["milestones_due"] if m["milestone"] == "Cutover")
    assert cutover["overdue"] and cutover["days_left"] == -1
    assert Team.objects.get(pk=team.pk).time_zone == "Pacific/Auckland"


def test_my_work_and_the_initiative_page_say_overdue_on_the_teams_date(akl, client):
    team, made = akl
    dana = team.memberships.get(user__username="dana").user
    with travel(SENT):
        work = my_work(dana)
        client.force_login(dana)
        page = client.get(made["late"].get_absolute_url()).content.decode()
    due = {m.title: (m.overdue, m.due_label) for m in work.milestones.rows}
    assert due["Cutover"] == (True, "Overdue · 22 Nov")
    assert due["Docs"] == (False, "Due Sat 28 Nov")
    assert work.milestones.counts["overdue"] == 1
    assert "Overdue · Delivery 22 Nov" in page
