"""Intake's figures in the weekly digest and on the dashboard: new, triaged, overdue, median
time to triage, routed to whom, accepted into which initiatives; a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives.intake import selectors as reads
from initiatives.intake import services as intake
from initiatives.intake.digest import intake_section
from initiatives.models import Team
from initiatives.weekly.digest import build_digest, render_digest_text
from tests.intake.conftest import ask, travel, utc

pytestmark = pytest.mark.django_db


def triage(request, actor, action, **kwargs):
    return intake.request_triage(request=request, actor=actor, action=action, **kwargs)


@pytest.fixture
def week_of_requests(team, people, cloud):
    """In 2026-W47 (Mon 16 Nov): four requests; one accepted after 2 h, one routed to CLOUD
    after 4 h, one declined after 6 h, one left untriaged."""
    Team.objects.filter(pk=team.pk).update(created_at=utc("2026-01-01 00:00"))
    team.refresh_from_db()
    made = {}
    with travel(utc("2026-11-16 08:00")):
        for name in ("accept", "route", "decline", "open"):
            made[name] = ask(team, people["outsider"], title=f"To {name}")
    with travel(utc("2026-11-16 10:00")):
        triage(made["accept"], people["em"], "accept", accept=intake.Accept("new_initiative"))
    with travel(utc("2026-11-16 12:00")):
        triage(made["route"], people["em"], "route", team=cloud["team"], reason="Theirs")
    with travel(utc("2026-11-16 14:00")):
        triage(made["decline"], people["em"], "decline", reason="No")
    return made


def test_the_figures_of_a_week(team, week_of_requests):
    figures = reads.intake_figures(
        [team], since=utc("2026-11-16 00:00"), until=utc("2026-11-23 00:00"),
        now=utc("2026-11-23 09:00"),
    )[team.pk]  # fmt: skip
    assert (figures.new, figures.triaged, figures.open) == (4, 3, 1)
    assert figures.overdue == 1  # untriaged past Tuesday's slot
    assert figures.median_hours_to_triage == 4.0
    assert figures.routed == [("CLOUD", 1)]
    assert [r.initiative.key for r in figures.accepted] == ["PLAT-1"]


def test_the_digest_has_an_intake_section(team, week_of_requests):
    digest = build_digest(team, "2026-W47", now=utc("2026-11-23 09:00"))
    text = render_digest_text(digest)
    assert "REQUESTS AND TRIAGE" in text
    assert "4 new, 3 triaged, 1 overdue, 1 open; median time to triage 4.0 h" in text
    assert "Routed to: CLOUD (1)" in text and "-> PLAT-1" in text
    # A week with nothing new or triaged still says what is open and overdue as it is sent.
    earlier = render_digest_text(build_digest(team, "2026-W45", now=utc("2026-11-23 09:00")))
    assert "0 new, 0 triaged, 1 overdue, 1 open" in earlier


def test_a_team_without_requests_has_no_intake_section(cloud):
    since, until = utc("2026-11-16 00:00"), utc("2026-11-23 00:00")
    assert intake_section(cloud["team"], "2026-W47", since, until, until) is None


def test_the_dashboard_has_an_intake_section(client, team, people, week_of_requests):
    client.force_login(people["em"])
    with travel(utc("2026-11-23 09:00")):
        page = client.get(reverse("team-dashboard", kwargs={"key": "PLAT"})).content.decode()
    assert "Requests and triage" in page and "Routed to CLOUD (1)" in page


@pytest.mark.parametrize("size", [1, 10])
def test_the_figures_cost_a_fixed_number_of_queries(team, people, cloud, size):
    for n in range(size):
        request = ask(team, people["outsider"], title=f"Ask {n}")
        if n % 2:
            triage(request, people["em"], "route", team=cloud["team"], reason="Theirs")
        ask(cloud["team"], people["outsider"], title=f"Theirs {n}")
    now = dt.datetime.now(dt.UTC)
    with CaptureQueriesContext(connection) as queries:
        figures = reads.intake_figures(
            [team, cloud["team"]], since=now - dt.timedelta(days=7), until=now, now=now
        )
    assert len(queries) <= 3
    assert figures[team.pk].new == size and figures[cloud["team"].pk].new >= size
