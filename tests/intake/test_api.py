"""The intake API: requests, triage, rotation, on call and alert intake; every answer is checked
against the published schema (``tests/api``'s fixtures), and the lists' query budgets."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.intake import alerts
from initiatives.intake import services as intake
from initiatives.intake.models import IntakeRequest, RequestState
from initiatives.outbox.models import OutboxMessage
from initiatives.webhooks.services import webhook_endpoint_create
from tests.api.conftest import _answers_match_the_schema, _api_isolation, token_client  # noqa: F401
from tests.intake.conftest import ask
from tests.intake.test_alerts import alertmanager

pytestmark = pytest.mark.django_db

B = "/api/v1"


@pytest.fixture
def api(people, token_client):  # noqa: F811
    return {role: token_client(user) for role, user in people.items()}


def test_anyone_asks_and_sees_their_own_requests_members_see_all(team, people, api, cloud):
    made = api["outsider"].post(
        f"{B}/teams/PLAT/requests/",
        {"title": "Bigger runners", "category": "feature", "links": ["https://ci.example/x"]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["state"] == "new" and body["requester"]["username"] == "outsider"
    ask(team, people["legal"], title="Another", category="question")
    assert api["outsider"].get(f"{B}/teams/PLAT/requests/").json()["count"] == 1
    assert api["viewer"].get(f"{B}/teams/PLAT/requests/").json()["count"] == 2
    listed = api["engineer"].get(f"{B}/teams/PLAT/requests/?state=new&category=feature").json()
    assert [r["title"] for r in listed["results"]] == ["Bigger runners"]
    assert api["engineer"].get(f"{B}/teams/PLAT/requests/?state=gone").status_code == 400
    assert api["outsider"].get(f"{B}/teams/NOPE/requests/").status_code == 404


def test_a_team_closed_to_outsiders_answers_404(people, api, secret_team):
    assert api["outsider"].get(f"{B}/teams/SEC/requests/").status_code == 404
    refused = api["outsider"].post(f"{B}/teams/SEC/requests/", {"title": "x"}, format="json")
    assert refused.status_code == 404
    assert api["outsider"].get(f"{B}/teams/SEC/on-call/").status_code == 404


def test_bad_input_is_a_400_naming_the_field(api):
    for body in ({}, {"title": "x", "category": "urgent"}, {"title": "x", "links": ["ftp://a"]}):
        answer = api["outsider"].post(f"{B}/teams/PLAT/requests/", body, format="json")
        assert answer.status_code == 400, body
        assert answer.json()["fields"]
    unknown = api["outsider"].post(
        f"{B}/teams/PLAT/requests/", {"title": "x", "state": "accepted"}, format="json"
    )
    assert unknown.status_code == 400 and "state" in unknown.json()["fields"]


def test_reading_and_editing_a_request(team, people, api):
    request = ask(team, people["outsider"])
    url = f"{B}/requests/{request.pk}/"
    read = api["outsider"].get(url)
    assert read.status_code == 200 and read["ETag"] == '"1"'
    assert api["engineer"].get(url).status_code == 200
    assert api["pm"].get(f"{B}/requests/999999/").status_code == 404
    edited = api["outsider"].patch(
        url, {"title": "Now clearer"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert edited.status_code == 200 and edited.json()["title"] == "Now clearer"
    stale = api["engineer"].patch(url, {"impact": "high"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert api["outsider"].patch(url, {"category": "cat1"}, format="json").status_code == 403
    assigned = api["engineer"].patch(url, {"assignee": "dri"}, format="json")
    assert assigned.json()["assignee"]["username"] == "dri"


def test_triage_through_the_api(team, people, api, secret_team, cloud):
    request = ask(team, people["outsider"], description="Details")
    url = f"{B}/requests/{request.pk}/triage/"
    declined = api["engineer"].post(url, {"action": "decline"}, format="json")
    assert declined.status_code == 400 and declined.json()["code"] == "reason_required"
    assert api["viewer"].post(url, {"action": "decline", "reason": "x"}).status_code == 403
    assert api["outsider"].post(url, {"action": "decline", "reason": "x"}).status_code == 403
    stranger = api["engineer"].__class__()
    assert stranger.post(url, {"action": "decline"}).status_code == 401
    hidden = api["engineer"].post(
        url, {"action": "route", "team": "SEC", "reason": "Theirs"}, format="json"
    )
    assert hidden.status_code == 404
    accepted = api["engineer"].post(
        url, {"action": "accept", "into": "new_initiative", "title": "Bigger runners"},
        format="json",
    )  # fmt: skip
    assert accepted.status_code == 200, accepted.json()
    body = accepted.json()
    assert body["state"] == "accepted" and body["initiative"] == "PLAT-1"
    again = api["engineer"].post(url, {"action": "decline", "reason": "x"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "request_closed"


def test_routing_and_duplicates_through_the_api(team, people, api, cloud):
    first, second = ask(team, people["outsider"]), ask(team, people["outsider"])
    routed = api["em"].post(
        f"{B}/requests/{first.pk}/triage/",
        {"action": "route", "team": "CLOUD", "reason": "Cloud owns runners"},
        format="json",
    )
    assert routed.status_code == 200 and routed.json()["routed_to"]["team"] == "CLOUD"
    dup = api["em"].post(
        f"{B}/requests/{second.pk}/triage/",
        {"action": "duplicate", "original": first.pk},
        format="json",
    )
    assert dup.json()["duplicate_of"] == first.pk
    into_task = ask(team, people["outsider"])
    missing = api["em"].post(
        f"{B}/requests/{into_task.pk}/triage/",
        {"action": "accept", "into": "task", "initiative": "PLAT-99"},
        format="json",
    )
    assert missing.status_code == 400 and "initiative" in missing.json()["fields"]


def test_rotation_and_on_call(team, people, api):
    put = api["em"].put(
        f"{B}/teams/PLAT/rotation/",
        {"members": ["eng", "dri"], "handover_weekday": 0, "handover_time": "09:00"},
        format="json",
    )
    assert put.status_code == 200, put.json()
    assert [m["username"] for m in put.json()["members"]] == ["eng", "dri"]
    assert (
        api["engineer"].put(f"{B}/teams/PLAT/rotation/", {"members": []}, format="json").status_code
        == 403
    )
    unknown = api["em"].put(f"{B}/teams/PLAT/rotation/", {"members": ["ghost"]}, format="json")
    assert unknown.status_code == 400 and "members" in unknown.json()["fields"]
    viewer = api["em"].put(f"{B}/teams/PLAT/rotation/", {"members": ["viewer"]}, format="json")
    assert viewer.status_code == 400
    assert (
        api["outsider"].put(f"{B}/teams/PLAT/rotation/", {"members": []}, format="json").status_code
        == 404
    )
    on_call = api["outsider"].get(f"{B}/teams/PLAT/on-call/").json()
    assert on_call["on_call"]["username"] == "eng" and len(on_call["upcoming"]) == 5
    assert on_call["upcoming"][0]["user"]["username"] == "dri"
    assert api["outsider"].get(f"{B}/teams/PLAT/rotation/").status_code == 200


def test_alert_intake_with_the_team_token(team, people, api, client, cloud):
    _, token = alerts.intake_token_create(team=team, actor=people["em"], name="AM")
    _, cloud_token = alerts.intake_token_create(team=cloud["team"], actor=cloud["em"], name="AM")
    url = f"{B}/teams/PLAT/alerts/"

    def send(body, bearer=token):
        return client.post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {bearer}"
        )

    assert client.post(url, alertmanager(), content_type="application/json").status_code == 401
    assert send(alertmanager(), cloud_token).status_code == 401
    personal = api["em"].post(url, alertmanager(), format="json")
    assert personal.status_code == 401  # a personal token is not an intake token
    created = send(alertmanager())
    assert created.status_code == 202
    [result] = created.json()["results"]
    assert result["outcome"] == "created"
    assert send(alertmanager()).json()["results"][0]["outcome"] == "folded"
    assert send(alertmanager(status="resolved")).json()["results"][0]["outcome"] == "resolved"
    assert IntakeRequest.objects.get(pk=result["request"]).state == RequestState.RESOLVED
    bad = send({"severity": "critical"})
    # Neither an Alertmanager webhook (a list of alerts) nor a generic alert (title, fingerprint).
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert send([1, 2]).status_code == 400


def test_request_events_reach_subscribed_webhooks(team, people):
    webhook_endpoint_create(
        team=team,
        actor=people["em"],
        url="http://127.0.0.1:9/hook",
        events=["request.created", "request.triaged"],
    )
    request = ask(team, people["outsider"])
    intake.request_triage(request=request, actor=people["em"], action="decline", reason="No")
    assert OutboxMessage.objects.filter(kind="webhook.event").count() == 2


@pytest.mark.parametrize("who", ["em", "outsider"])
def test_request_lists_run_a_fixed_number_of_queries(team, people, api, cloud, who):
    """A member's list (every request) and an asker's (their own): the same queries for 2 and
    for 12 requests, some routed."""
    api[who].get(f"{B}/teams/PLAT/requests/")  # the token's first use is recorded once
    counts = []
    for n in (2, 12):
        while IntakeRequest.objects.filter(team=team).count() < n:
            request = ask(team, people["outsider"], description="x")
            intake.request_triage(
                request=request, actor=people["em"], action="route", team=cloud["team"],
                reason="Theirs",
            )  # fmt: skip
            ask(team, people["outsider"])
        with CaptureQueriesContext(connection) as queries:
            answer = api[who].get(f"{B}/teams/PLAT/requests/?page_size=100")
        assert answer.status_code == 200 and answer.json()["count"] >= n
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] <= 7, counts
