"""Intake under real concurrency (PostgreSQL only): notifications of one alert arriving at
once fold into one request; two triagers acting at once on one request, one wins; routings in
opposite directions at once do not deadlock."""

import pytest

from initiatives.intake import alerts
from initiatives.intake import services as intake
from initiatives.intake.models import IntakeRequest, RequestState
from initiatives.models import ActivityEvent
from initiatives.rules.exceptions import ApplicationError
from tests.intake.conftest import ask
from tests.intake.test_alerts import alertmanager
from tests.services.test_concurrency_pg import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_notifications_of_one_alert_fold_into_one_request(team):
    results = run_concurrently(
        [lambda: alerts.alerts_receive(team=team, body=alertmanager()) for _ in range(4)]
    )
    assert all(isinstance(r, list) for r in results), results
    request = IntakeRequest.objects.get()
    assert request.alert_count == 4
    assert sorted(r[0].outcome for r in results) == ["created", "folded", "folded", "folded"]


def test_two_triagers_at_once_one_wins(team, people):
    for _ in range(3):
        request = ask(team, people["outsider"])
        results = run_concurrently(
            [
                lambda r=request: intake.request_triage(
                    request=r, actor=people["engineer"], action="decline", reason="No"
                ),
                lambda r=request: intake.request_triage(
                    request=r, actor=people["em"], action="decline", reason="Not ours"
                ),
            ]
        )
        wins = [r for r in results if isinstance(r, IntakeRequest)]
        refusals = [r for r in results if isinstance(r, ApplicationError)]
        assert len(wins) == 1 and len(refusals) == 1, results
        assert refusals[0].code == "request_closed"
        triaged = ActivityEvent.objects.filter(verb="request.triaged", target_id=request.pk)
        assert triaged.count() == 1


def test_routings_in_opposite_directions_at_once(team, people, cloud):
    people["em"].memberships.create(team=cloud["team"], role="em")
    for _ in range(3):
        here, there = ask(team, people["outsider"]), ask(cloud["team"], people["outsider"])
        results = run_concurrently(
            [
                lambda here=here: intake.request_triage(
                    request=here, actor=people["em"], action="route", team=cloud["team"],
                    reason="Theirs",
                ),
                lambda there=there: intake.request_triage(
                    request=there, actor=people["em"], action="route", team=team,
                    reason="Theirs",
                ),
            ]
        )  # fmt: skip
        assert all(isinstance(r, IntakeRequest) for r in results), results
        assert {r.state for r in results} == {RequestState.ROUTED}
