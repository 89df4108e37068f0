"""The /shipshape slash command from Slack and Mattermost: verified requests post the weekly
update through the web form's service (audited via the chat), refusals say what the web form
says, and nothing is written for a request that is not verified."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from initiatives.audit.verify import verify
from initiatives.chat import services as chat
from initiatives.models import ActivityEvent, StatusUpdate
from initiatives.rules.workflow import update_errors
from tests.chat.conftest import MATTERMOST_TOKEN, slack_post

pytestmark = pytest.mark.django_db

SLACK = "/integrations/slack/commands/"
INTERACTIONS = "/integrations/slack/interactions/"
MATTERMOST = "/integrations/mattermost/commands/"


@pytest.fixture
def linked(people):
    chat.chat_identity_set(user=people["dri"], slack_user_id="U0DRI1", mattermost_username="dana")
    return people["dri"]


def slack_command(client, text, user_id="U0DRI1", **signing):
    fields = {"command": "/shipshape", "text": text, "user_id": user_id, "trigger_id": "13345.9"}
    return slack_post(client, SLACK, fields, **signing)


def test_a_signed_update_is_posted_and_shown_on_the_web_page(client, initiative, linked):
    text = f"update {initiative.key} yellow | Pilot live | Vendor quota | Roll out to EU"
    response = slack_command(client, text)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral" and "Posted" in answer["text"]
    update = StatusUpdate.objects.get(initiative=initiative)
    assert (update.health, update.progress, update.risks, update.next_week) == (
        "at_risk", "Pilot live", "Vendor quota", "Roll out to EU",
    )  # fmt: skip
    assert update.author == linked
    event = ActivityEvent.objects.get(verb="status_update.posted")
    assert event.after["via"] == "slack" and event.actor == linked
    assert verify().ok  # the source is part of the hashed content, the chain holds
    client.force_login(linked)
    page = client.get(reverse("initiative-detail", kwargs={"key": initiative.key}))
    assert "Pilot live" in page.content.decode() and "Vendor quota" in page.content.decode()


def test_posting_again_the_same_week_revises(client, initiative, linked):
    slack_command(client, f"update {initiative.key} green | First")
    response = slack_command(client, f"update {initiative.key} green | Second")
    assert "Revised" in response.json()["text"]
    update = StatusUpdate.objects.get(initiative=initiative)
    assert update.progress == "Second" and update.revision == 2


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-signing-secret"},
        {"offset": -6 * 60},  # older than five minutes
        {"offset": 6 * 60},
    ],
    ids=["bad-signature", "stale", "future"],
)
def test_a_bad_or_stale_signature_is_401_with_nothing_written(client, initiative, linked, signing):
    # The timestamp is taken when the test runs, not when it is collected (a long run would
    # otherwise bring the "future" one inside the five minutes).
    if "offset" in signing:
        signing = {"timestamp": int(time.time()) + signing["offset"]}
    events = ActivityEvent.objects.count()
    response = slack_command(client, f"update {initiative.key} green | x", **signing)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert not StatusUpdate.objects.exists() and ActivityEvent.objects.count() == events


def test_missing_or_garbled_signature_headers_are_401(client, initiative, linked):
    body = f"text=update+{initiative.key}+green&user_id=U0DRI1"
    for headers in (
        {},
        {"HTTP_X_SLACK_REQUEST_TIMESTAMP": "yesterday", "HTTP_X_SLACK_SIGNATURE": "v0=00"},
        {"HTTP_X_SLACK_REQUEST_TIMESTAMP": "1" * 40, "HTTP_X_SLACK_SIGNATURE": "v0=00"},
    ):
        response = client.post(
            SLACK, data=body, content_type="application/x-www-form-urlencoded", **headers
        )
        assert response.status_code == 401
    assert not StatusUpdate.objects.exists()


def test_without_a_signing_secret_nothing_is_accepted(client, initiative, linked, settings):
    settings.SLACK_SIGNING_SECRET = ""
    assert slack_command(client, f"update {initiative.key} green").status_code == 401


def test_an_unmapped_user_gets_the_help_text(client, initiative, linked):
    response = slack_command(client, f"update {initiative.key} green | x", user_id="U0NOBODY")
    text = response.json()["text"]
    assert response.status_code == 200 and "not linked" in text and "/settings/chat/" in text
    assert "/shipshape status PLAT-12" in text
    assert not StatusUpdate.objects.exists()


def test_a_red_update_without_risks_is_refused_with_the_web_forms_reason(
    client, initiative, linked
):
    response = slack_command(client, f"update {initiative.key} red | Stuck")
    reason = update_errors(health="off_track", risks="")["risks"][0]
    assert response.json()["text"] == f"Not posted: {reason}"
    assert not StatusUpdate.objects.exists()
    # The web form refuses with the same words.
    client.force_login(linked)
    page = client.post(
        reverse("status-update", kwargs={"key": initiative.key}),
        {"health": "off_track", "progress": "Stuck"},
    )
    assert reason in page.content.decode()


def test_someone_not_allowed_is_refused_in_chat(client, initiative, people):
    chat.chat_identity_set(user=people["viewer"], slack_user_id="U0VIEW")
    response = slack_command(client, f"update {initiative.key} green", user_id="U0VIEW")
    assert "Only the DRI or an engineering manager" in response.json()["text"]
    outsider = people["outsider"]
    chat.chat_identity_set(user=outsider, slack_user_id="U0OUT")
    response = slack_command(client, f"status {initiative.key}", user_id="U0OUT")
    assert response.json()["text"] == f"There is no initiative {initiative.key} in your teams."
    assert not StatusUpdate.objects.exists()


def test_status_answers_state_health_gates_and_milestone(client, initiative, linked):
    text = slack_command(client, f"status {initiative.key}").json()["text"]
    assert initiative.key in text and "State: Discovery" in text
    assert "Definition of Ready: not met" in text and "No open milestone." in text


@pytest.mark.parametrize("text", ["", "help", "frobnicate PLAT-1", "update", "status"])
def test_help_and_bad_commands_answer_200(client, linked, text):
    response = slack_command(client, text)
    assert response.status_code == 200 and response.json()["text"]


def test_health_words_must_be_a_health(client, initiative, linked):
    text = slack_command(client, f"update {initiative.key} purple | x").json()["text"]
    assert "green, yellow or red" in text


def test_mattermost_token_is_checked_and_the_update_posted(client, initiative, linked):
    fields = {"token": MATTERMOST_TOKEN, "user_name": "dana", "command": "/shipshape",
              "text": f"update {initiative.key} green | Done with the pilot"}  # fmt: skip
    response = client.post(MATTERMOST, fields)
    assert response.status_code == 200 and "Posted" in response.json()["text"]
    assert ActivityEvent.objects.get(verb="status_update.posted").after["via"] == "mattermost"
    for token in ("wrong-token", ""):
        response = client.post(MATTERMOST, {**fields, "token": token})
        assert response.status_code == 401
    assert StatusUpdate.objects.get().revision == 1


def test_commands_answer_post_only(client):
    assert client.get(SLACK).status_code == 405
    assert client.get(MATTERMOST).status_code == 405


# --- The Slack modal ---------------------------------------------------------------------------


def test_the_modal_opens_against_slack_and_its_submission_posts(
    client, initiative, linked, fake_slack
):
    response = slack_command(client, f"update {initiative.key}")
    assert response.status_code == 200 and response.content == b""
    ((path, body, auth),) = fake_slack.calls
    assert path == "/api/views.open" and auth == "Bearer xoxb-test-token"
    view = body["view"] if isinstance(body["view"], dict) else json.loads(body["view"])
    assert body["trigger_id"] == "13345.9" and view["private_metadata"] == initiative.key
    blocks = [b["block_id"] for b in view["blocks"]]
    assert blocks == ["health", "progress", "risks", "next_week", "week"]

    def submit(health, risks=""):
        values = {
            "health": {"value": {"type": "static_select", "selected_option": {"value": health}}},
            "progress": {"value": {"type": "plain_text_input", "value": "Modal progress"}},
            "risks": {"value": {"type": "plain_text_input", "value": risks}},
            "next_week": {"value": {"type": "plain_text_input", "value": None}},
        }
        payload = {"type": "view_submission", "user": {"id": "U0DRI1"},
                   "view": {**view, "state": {"values": values}}}  # fmt: skip
        return slack_post(client, INTERACTIONS, {"payload": json.dumps(payload)})

    refused = submit("off_track")
    assert refused.status_code == 200
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"risks": update_errors(health="off_track", risks="")["risks"][0]},
    }
    assert not StatusUpdate.objects.exists()
    accepted = submit("off_track", risks="Vendor")
    assert accepted.status_code == 200 and accepted.content == b""
    update = StatusUpdate.objects.get()
    assert (update.health, update.progress, update.risks) == (
        "off_track",
        "Modal progress",
        "Vendor",
    )
    assert ActivityEvent.objects.get(verb="status_update.posted").after["via"] == "slack"


def test_slack_refusing_the_modal_is_told_to_the_user(client, initiative, linked, fake_slack):
    fake_slack.errors.append("expired_trigger_id")
    text = slack_command(client, f"update {initiative.key}").json()["text"]
    assert "expired_trigger_id" in text


def test_interactions_need_the_signature_and_a_payload(client, initiative, linked):
    body = "payload=%7B%7D"
    assert (
        client.post(
            INTERACTIONS, data=body, content_type="application/x-www-form-urlencoded"
        ).status_code
        == 401
    )
    assert slack_post(client, INTERACTIONS, {"payload": "not json"}).status_code == 400
    assert slack_post(client, INTERACTIONS, {"payload": "[1, 2]"}).status_code == 400
    other = {"type": "block_actions", "view": {"callback_id": "x"}}
    assert slack_post(client, INTERACTIONS, {"payload": json.dumps(other)}).status_code == 200
    garbled = {"type": "view_submission", "user": "U0DRI1",
               "view": {"callback_id": "shipshape_update", "state": {"values": []}}}  # fmt: skip
    response = slack_post(client, INTERACTIONS, {"payload": json.dumps(garbled)})
    assert response.status_code == 200 and response.json()["response_action"] == "errors"
    assert not StatusUpdate.objects.exists()


@pytest.mark.parametrize(
    "key", ["PLAT-99999999999999999999999", "P-1", "<@U123>", "PLAT-1;DROP", "x" * 5000]
)
def test_keys_that_cannot_exist_are_answered_plainly(client, linked, key):
    response = slack_command(client, f"status {key}")
    assert response.status_code == 200 and "There is no initiative" in response.json()["text"]


def test_a_body_too_large_is_refused_before_anything_is_read(client, initiative, linked):
    text = f"update {initiative.key} green | " + "x" * 70_000
    response = slack_command(client, text)
    assert response.status_code == 413 and not StatusUpdate.objects.exists()
