"""Intake's pages: asking a team (with who is on call), My requests, the request page and its
triage forms, the triage queue (one-click and bulk triage, its query budget), the rota and
intake tokens, and the counts in the team header and on My work."""

import datetime as dt

import pytest
from django.urls import reverse

from initiatives.intake import services as intake
from initiatives.intake.models import Category, IntakeRequest, IntakeToken, RequestState
from initiatives.models import Initiative
from tests.intake.conftest import ask

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_an_outsider_asks_a_team_and_sees_who_is_on_call(client, team, people, on_call):
    login(client, people["outsider"])
    page = client.get(reverse("intake-ask", args=["PLAT"]))
    assert page.status_code == 200
    assert "On call for PLAT" in page.content.decode() and "Eng" in page.content.decode()
    sent = client.post(
        reverse("intake-ask", args=["PLAT"]),
        {"title": "Prod is down", "category": Category.CAT1, "impact": "critical",
         "links": "https://status.example/1\n"},
    )  # fmt: skip
    request = IntakeRequest.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse(
        "intake-request", args=[request.pk]
    )
    assert request.assignee == on_call and request.links == ["https://status.example/1"]
    mine = client.get(reverse("intake-my-requests")).content.decode()
    assert "Prod is down" in mine and "Ask PLAT" in mine


def test_a_bad_request_form_is_shown_again_with_its_errors(client, team, people):
    login(client, people["outsider"])
    answer = client.post(
        reverse("intake-ask", args=["PLAT"]),
        {"title": "x", "category": "cat1", "impact": "low", "links": "ftp://nope"},
    )
    assert answer.status_code == 400
    assert "Not an http(s) link" in answer.content.decode()
    assert not IntakeRequest.objects.exists()


def test_teams_closed_to_outsiders_are_not_found(client, people, secret_team):
    login(client, people["outsider"])
    assert client.get(reverse("intake-ask", args=["SEC"])).status_code == 404
    assert client.get(reverse("intake-rota", args=["SEC"])).status_code == 404
    assert "Ask SEC" not in client.get(reverse("intake-my-requests")).content.decode()


def test_accepting_from_the_queue_in_one_click(client, team, people):
    request = ask(team, people["outsider"], title="Ephemeral runners")
    login(client, people["engineer"])
    queue = client.get(reverse("intake-queue", args=["PLAT"])).content.decode()
    assert "Ephemeral runners" in queue and "Feature request" in queue
    done = client.post(
        reverse("intake-triage", args=[request.pk]),
        {"action": "accept", "into": "new_initiative", "return_to": "queue"},
    )
    assert done["Location"] == reverse("intake-queue", args=["PLAT"])
    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED
    assert Initiative.objects.get(pk=request.initiative_id).title == "Ephemeral runners"
    assert (
        "Ephemeral runners"
        not in client.get(reverse("intake-queue", args=["PLAT"])).content.decode()
    )


def test_the_request_page_offers_triage_to_the_team_only(client, team, people, cloud):
    request = ask(team, people["outsider"])
    url = reverse("intake-request", args=[request.pk])
    assert "h-triage" in login(client, people["engineer"]).get(url).content.decode()
    assert "h-triage" not in login(client, people["viewer"]).get(url).content.decode()
    assert "h-triage" not in login(client, people["outsider"]).get(url).content.decode()
    assert login(client, cloud["em"]).get(url).status_code == 404


def test_refusals_come_back_as_messages(client, team, people):
    request = ask(team, people["outsider"])
    login(client, people["engineer"])
    answer = client.post(
        reverse("intake-triage", args=[request.pk]), {"action": "decline"}, follow=True
    )
    assert "Say why the request is declined" in answer.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.NEW
    missing = client.post(
        reverse("intake-triage", args=[request.pk]), {"action": "duplicate", "original": 999999}
    )
    assert missing.status_code == 404
    assert (
        client.post(
            reverse("intake-triage", args=[request.pk]), {"action": "decline", "reason": "No"}
        ).status_code
        == 302
    )
    assert (
        login(client, people["viewer"])
        .post(reverse("intake-triage", args=[request.pk]), {"action": "decline", "reason": "x"})
        .status_code
        == 403
    )


def test_needs_info_and_the_requesters_answer(client, team, people, mailoutbox):
    request = ask(team, people["outsider"])
    login(client, people["engineer"])
    client.post(
        reverse("intake-triage", args=[request.pk]),
        {"action": "needs_info", "question": "Which pipeline?"},
    )
    login(client, people["outsider"])
    page = client.get(reverse("intake-request", args=[request.pk])).content.decode()
    assert "Which pipeline?" in page and "Your answer" in page
    client.post(reverse("intake-answer", args=[request.pk]), {"answer": "deploy-prod"})
    request.refresh_from_db()
    assert not request.needs_info and "deploy-prod" in request.description


def test_bulk_triage_from_the_queue(client, team, people):
    asks = [ask(team, people["outsider"], title=f"Ask {n}") for n in range(3)]
    login(client, people["engineer"])
    answer = client.post(
        reverse("intake-bulk", args=["PLAT"]),
        {"action": "snooze", "ids": [asks[0].pk, asks[1].pk],
         "until": (dt.date.today() + dt.timedelta(days=7)).isoformat()},
        follow=True,
    )  # fmt: skip
    assert "2 request(s) triaged" in answer.content.decode()
    states = dict(IntakeRequest.objects.values_list("pk", "state"))
    assert [states[a.pk] for a in asks] == ["triaged", "triaged", "new"]
    refused = client.post(
        reverse("intake-bulk", args=["PLAT"]), {"action": "decline", "ids": [asks[2].pk]},
        follow=True,
    )  # fmt: skip
    assert "Say why" in refused.content.decode()


def test_counts_in_the_team_header_and_on_my_work(client, team, people, on_call):
    ask(team, people["outsider"], category=Category.CAT1)
    ask(team, people["outsider"])
    header = login(client, people["dri"]).get(reverse("team-detail", args=["PLAT"]))
    assert "2 new" in header.content.decode() and "Ask PLAT" in header.content.decode()
    work = login(client, people["engineer"]).get(reverse("my-work")).content.decode()
    assert "You are on call" in work and "2 untriaged" in work
    assert (
        "You are on call"
        not in login(client, people["dri"]).get(reverse("my-work")).content.decode()
    )


def test_the_rota_page_and_its_forms(client, team, people):
    login(client, people["em"])
    saved = client.post(
        reverse("intake-rotation-edit", args=["PLAT"]),
        {"members": "eng\ndri", "handover_weekday": 0, "handover_time": "09:00",
         "triage_weekday": 1, "triage_time": "10:00", "open_to_all": "on"},
    )  # fmt: skip
    assert saved.status_code == 302
    page = login(client, people["outsider"]).get(reverse("intake-rota", args=["PLAT"]))
    assert "Who is on call for PLAT" in page.content.decode()
    assert "h-rotation" not in page.content.decode()
    bad = login(client, people["em"]).post(
        reverse("intake-rotation-edit", args=["PLAT"]),
        {"members": "ghost", "handover_weekday": 0, "handover_time": "09:00",
         "triage_weekday": 1, "triage_time": "10:00"},
    )  # fmt: skip
    assert bad.status_code == 400 and "Not a contributor of PLAT: ghost" in bad.content.decode()
    covered = login(client, people["dri"]).post(
        reverse("intake-override-add", args=["PLAT"]),
        {"user": people["dri"].pk, "starts_at": "2030-01-01T09:00", "ends_at": "2030-01-02T09:00"},
    )
    assert covered.status_code == 302


def test_intake_tokens_page_shows_a_token_once(client, team, people):
    login(client, people["em"])
    made = client.post(reverse("intake-tokens", args=["PLAT"]), {"name": "Alertmanager"})
    assert made.status_code == 201
    token = IntakeToken.objects.get()
    assert "ssi_" in made.content.decode() and token.prefix in made.content.decode()
    again = client.get(reverse("intake-tokens", args=["PLAT"])).content.decode()
    assert "Copy the token now" not in again
    client.post(reverse("intake-token-revoke", args=["PLAT", token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_and_pages_run_a_fixed_number_of_queries(
    client, team, people, cloud, on_call, size, django_assert_max_num_queries
):
    for n in range(size):
        request = ask(team, people["outsider"], title=f"Ask {n}", category=Category.CAT1)
        if n % 3 == 1:
            intake.request_triage(
                request=request, actor=people["em"], action="snooze",
                until=dt.date.today() + dt.timedelta(days=3),
            )  # fmt: skip
        if n % 3 == 2:
            intake.request_triage(
                request=request, actor=people["em"], action="needs_info", question="?"
            )
    login(client, people["engineer"])
    budgets = {
        reverse("intake-queue", args=["PLAT"]): 8,
        reverse("intake-queue", args=["PLAT"]) + "?snoozed=1&category=cat1": 8,
        reverse("intake-my-requests"): 5,
        reverse("intake-rota", args=["PLAT"]): 8,
        reverse("intake-ask", args=["PLAT"]): 7,
        reverse("intake-request", args=[request.pk]): 9,
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget, info=url):
            assert client.get(url).status_code == 200
    login(client, people["outsider"])
    with django_assert_max_num_queries(5):
        page = client.get(reverse("intake-my-requests"))
    assert page.content.decode().count('class="row"') == min(size, 50)
