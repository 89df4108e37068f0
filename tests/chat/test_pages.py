"""The chat pages: a team's channels (EM only; other members 403, other teams 404), a channel's
log with why it was disabled, the message preview, one's own chat settings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from initiatives.chat import services as chat
from initiatives.chat.models import ChatChannel, ChatDelivery, ChatIdentity
from initiatives.models import ActivityEvent
from tests.chat.conftest import make_channel

pytestmark = pytest.mark.django_db


def channels_url(team):
    return reverse("chat-channels", kwargs={"key": team.key})


@pytest.mark.parametrize(
    "role,status",
    [("em", 200), ("pm", 403), ("dri", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_the_em_manages_channels(client, team, people, receiver, role, status):
    channel = make_channel(team, people["em"], receiver, "status", ["digest"])
    client.force_login(people[role])
    assert client.get(channels_url(team)).status_code == status
    assert client.get(reverse("chat-channel", kwargs={"pk": channel.pk})).status_code == status
    form = {"kind": "slack", "name": "#x", "webhook_url": receiver.url("x"), "messages": ["digest"]}
    response = client.post(channels_url(team), form)
    assert response.status_code == (302 if role == "em" else status)
    if role != "em":
        delete = reverse("chat-channel-delete", kwargs={"pk": channel.pk})
        assert client.post(delete).status_code == status
        assert ChatChannel.objects.count() == 1


def test_the_em_connects_a_channel_and_never_sees_its_url_again(client, team, people, receiver):
    client.force_login(people["em"])
    url = receiver.url("secret-path-abcd")
    form = {"kind": "mattermost", "name": "#cloud", "webhook_url": url,
            "messages": ["reminder", "status_update.posted"], "red_yellow_only": "on"}  # fmt: skip
    response = client.post(channels_url(team), form, follow=True)
    page = response.content.decode()
    assert "Connected #cloud." in page and "…abcd" in page and url not in page
    channel = ChatChannel.objects.get()
    assert channel.red_yellow_only and channel.messages == ["reminder", "status_update.posted"]
    detail = client.get(reverse("chat-channel", kwargs={"pk": channel.pk})).content.decode()
    assert url not in detail and "secret-path" not in detail
    assert ActivityEvent.objects.get(verb="chat_channel.created").actor == people["em"]


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("webhook_url", "http://10.0.0.8/hook", "public addresses only"),
        ("webhook_url", "ftp://example.com/hook", "http:// or https://"),
        ("name", "   ", "This field is required"),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(
    client, team, people, receiver, settings, field, value, message
):
    del settings.WEBHOOK_ALLOWED_NETWORKS  # the production rule: public addresses only
    client.force_login(people["em"])
    form = {"kind": "slack", "name": "#x", "webhook_url": "https://hooks.slack.com/services/T/B/c",
            "messages": ["digest"], field: value}  # fmt: skip
    response = client.post(channels_url(team), form)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ChatChannel.objects.exists()


def test_unknown_message_kinds_are_refused(client, team, people, receiver):
    client.force_login(people["em"])
    form = {"kind": "slack", "name": "#x", "webhook_url": receiver.url("x"),
            "messages": ["everything"]}  # fmt: skip
    assert client.post(channels_url(team), form).status_code == 400
    assert not ChatChannel.objects.exists()


def test_a_disabled_channel_shows_the_reason_and_can_be_enabled(client, team, people, receiver):
    channel = make_channel(team, people["em"], receiver, "status", ["digest"])
    chat.chat_channel_disable(
        channel_id=channel.pk, reason="The channel's webhook answered 410 Gone"
    )
    client.force_login(people["em"])
    page = client.get(channels_url(team)).content.decode()
    assert "Disabled: The channel&#x27;s webhook answered 410 Gone" in page
    detail_url = reverse("chat-channel", kwargs={"pk": channel.pk})
    assert "410 Gone" in client.get(detail_url).content.decode()
    response = client.post(detail_url, {"name": "status", "messages": ["digest"], "active": "on"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.active and not channel.disabled_reason


def test_the_em_resends_a_message(client, team, people, receiver):
    channel = make_channel(team, people["em"], receiver, "status", ["digest"])
    sent = ChatDelivery.objects.create(
        channel=channel, team=team, kind="digest", week="2026-W47", status="sent",
        payload={"text": "Digest", "blocks": []}, dedupe_key="digest:x",
    )  # fmt: skip
    client.force_login(people["pm"])
    resend = reverse("chat-delivery-resend", kwargs={"pk": sent.pk})
    assert client.post(resend).status_code == 403
    client.force_login(people["outsider"])
    assert client.post(resend).status_code == 404
    client.force_login(people["em"])
    with TestCaseCallbacks():
        assert client.post(resend).status_code == 302
    again = ChatDelivery.objects.exclude(pk=sent.pk).get()
    assert again.redelivery_of == sent and again.dedupe_key is None and again.status == "sent"
    assert receiver.got("status") == [{"text": "Digest", "blocks": []}]


def test_the_preview_renders_both_kinds(client, team, people, initiative):
    initiative.state = "scoping"
    initiative.save()
    client.force_login(people["engineer"])
    for kind in ("slack", "mattermost", "bogus"):
        response = client.get(reverse("chat-preview", kwargs={"key": team.key}), {"kind": kind})
        assert response.status_code == 200
    page = client.get(reverse("chat-preview", kwargs={"key": team.key}), {"kind": "slack"})
    assert "of 50 blocks, every text at most 3,000 characters" in page.content.decode()
    client.force_login(people["outsider"])
    assert client.get(reverse("chat-preview", kwargs={"key": team.key})).status_code == 404


def test_a_person_sets_their_chat_handles(client, people):
    client.force_login(people["dri"])
    url = reverse("chat-settings")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "identity", "slack_user_id": "u0dri1", "mattermost_username": "@Dana"}
    )
    assert response.status_code == 302
    identity = ChatIdentity.objects.get(user=people["dri"])
    assert (identity.slack_user_id, identity.mattermost_username) == ("U0DRI1", "dana")
    client.force_login(people["engineer"])
    taken = client.post(url, {"action": "identity", "slack_user_id": "U0DRI1"})
    assert taken.status_code == 400 and "linked to another person" in taken.content.decode()
    bad = client.post(url, {"action": "identity", "slack_user_id": "not an id!"})
    assert bad.status_code == 400 and "U012AB3CD" in bad.content.decode()


def test_pages_need_a_login(client, team):
    for url in (channels_url(team), reverse("chat-settings")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestCaseCallbacks:
    """Run on-commit callbacks (the outbox's hand-over) at the end of the block."""

    def __enter__(self):
        from django.test import TestCase

        self.context = TestCase.captureOnCommitCallbacks(execute=True)
        return self.context.__enter__()

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)


@pytest.mark.parametrize("count", [1, 12])
def test_channel_pages_and_lists_do_not_grow_queries_with_data(
    client, clients, team, people, receiver, count, django_assert_max_num_queries
):
    from initiatives.chat.models import ChatDelivery

    for n in range(count):
        channel = make_channel(team, people["em"], receiver, f"c{n}", ["digest", "reminder"])
        for week in range(count):
            ChatDelivery.objects.create(
                channel=channel, team=team, kind="digest", week=f"2026-W{week + 10}",
                payload={"text": "x"}, status="sent",
            )  # fmt: skip
    client.force_login(people["em"])
    with django_assert_max_num_queries(8):
        assert client.get(channels_url(team)).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("chat-channel", kwargs={"pk": channel.pk})).status_code == 200
    with django_assert_max_num_queries(8):
        assert clients["em"].get("/api/v1/teams/PLAT/chat-channels/").status_code == 200
    with django_assert_max_num_queries(8):
        path = f"/api/v1/chat-channels/{channel.pk}/deliveries/"
        assert clients["em"].get(path).status_code == 200


def test_writes_of_a_team_without_channels_cost_chat_nothing(
    team, people, initiative, django_assert_num_queries
):
    from initiatives import services
    from initiatives.chat.selectors import following

    assert following(team.pk) == []  # read once, then cached
    with django_assert_num_queries(0):
        assert following(team.pk) == []
    services.initiative_transition(initiative=initiative, actor=people["dri"], to="scoping")
    from initiatives.outbox.models import OutboxMessage

    assert not OutboxMessage.objects.filter(kind="chat.event").exists()
