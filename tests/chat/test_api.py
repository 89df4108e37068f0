"""The chat channels API (the team's EM only): every answer checked against the OpenAPI schema,
the webhook URL never in an answer."""

from __future__ import annotations

import pytest

from initiatives.chat.models import ChatChannel, ChatDelivery
from tests.chat.conftest import committed

pytestmark = pytest.mark.django_db

CHANNELS = "/api/v1/teams/PLAT/chat-channels/"


def body(receiver, **extra):
    return {"kind": "slack", "name": "#cloud", "webhook_url": receiver.url("cloud"),
            "messages": ["reminder", "initiative.transitioned"], **extra}  # fmt: skip


@pytest.mark.parametrize(
    "role,expected",
    [("em", 201), ("pm", 403), ("dri", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_the_em_connects_channels(clients, team, receiver, role, expected):
    response = clients[role].post(CHANNELS, body(receiver), format="json")
    assert response.status_code == expected
    if expected == 201:
        answer = response.json()
        assert "webhook_url" not in answer and receiver.base not in str(answer)
        assert answer["webhook_hint"] == "127.0.0.1/…loud"
        listed = clients["em"].get(CHANNELS).json()["results"]
        assert [c["name"] for c in listed] == ["#cloud"] and receiver.base not in str(listed)
    else:
        assert clients[role].get(CHANNELS).status_code == expected
        assert not ChatChannel.objects.exists()


def test_channel_input_is_validated(clients, team, receiver):
    for changes, field in [
        ({"webhook_url": "ftp://x"}, "webhook_url"),
        ({"messages": []}, "messages"),
        ({"messages": ["everything"]}, "messages"),
        ({"kind": "teams"}, "kind"),
    ]:
        response = clients["em"].post(CHANNELS, body(receiver, **changes), format="json")
        assert response.status_code == 400
        assert any(name.split(".")[0] == field for name in response.json()["fields"])
    assert not ChatChannel.objects.exists()


def test_the_em_changes_reads_the_log_resends_and_removes(
    clients, team, people, initiative, receiver
):
    channel = clients["em"].post(CHANNELS, body(receiver), format="json").json()
    path = f"/api/v1/chat-channels/{channel['id']}/"
    assert clients["dri"].patch(path, {"active": False}, format="json").status_code == 403
    assert clients["outsider"].get(path).status_code == 404
    changed = clients["em"].patch(
        path, {"messages": ["initiative.transitioned"], "red_yellow_only": True}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["messages"] == ["initiative.transitioned"]
    from initiatives import services

    with committed():
        services.initiative_transition(initiative=initiative, actor=people["dri"], to="scoping")
    log = clients["em"].get(f"{path}deliveries/").json()["results"]
    assert [(d["kind"], d["status"]) for d in log] == [("event", "sent")]
    assert clients["pm"].get(f"{path}deliveries/").status_code == 403
    resend = f"/api/v1/chat-deliveries/{log[0]['id']}/redeliver/"
    assert clients["dri"].post(resend).status_code == 403
    assert clients["outsider"].post(resend).status_code == 404
    with committed():
        again = clients["em"].post(resend)
    assert again.status_code == 202 and again.json()["redelivery_of"] == log[0]["id"]
    assert len(receiver.got("cloud")) == 2
    assert clients["em"].delete(path).status_code == 204
    assert not ChatChannel.objects.exists() and not ChatDelivery.objects.exists()
    assert clients["em"].get(path).status_code == 404
