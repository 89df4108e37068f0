"""Channels get the reminder and the digest of a week exactly once each, and the events they
chose, through the outbox and the webhook machinery, against a receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import pytest

from initiatives import services
from initiatives.audit.verify import verify
from initiatives.chat import delivery as sending
from initiatives.chat import jobs
from initiatives.chat import services as chat
from initiatives.chat.events import enqueue_event
from initiatives.chat.format import slack_limit_errors
from initiatives.chat.models import ChatChannel, ChatDelivery, ChatDeliveryStatus
from initiatives.models import ActivityEvent, Health, State
from initiatives.outbox.models import OutboxMessage
from tests.chat.conftest import committed, make_channel
from tests.weekly.conftest import backdate, delivering, post, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"
MONDAY = utc("2026-11-16 10:00")  # in 2026-W47
AFTER_REMINDER = utc("2026-11-19 10:05")  # the team's reminder slot: Thursday 10:00 (UTC)
AFTER_DIGEST = utc("2026-11-23 09:05")  # the digest of 2026-W47: Monday 09:00


@pytest.fixture
def week(team, people, receiver):
    """PLAT in 2026-W47: two initiatives in delivery, the "status" channel follows the
    reminder and the digest, the "events" channel the transitions and red/yellow updates."""
    backdate(team)
    with travel(MONDAY):
        first = delivering(team, people["dri"], people["em"], "Ephemeral CI runners")
        second = delivering(team, people["engineer"], people["em"], "Postgres 17")
        status = make_channel(team, people["em"], receiver, "status", ["reminder", "digest"])
        events = make_channel(
            team,
            people["em"],
            receiver,
            "events",
            ["initiative.transitioned", "status_update.posted"],
            kind="mattermost",
            red_yellow_only=True,
        )
    return {"first": first, "second": second, "status": status, "events": events}


def tick(now):
    with travel(now), committed():
        return jobs.enqueue_due(now=now, dispatch=lambda t, w, k: jobs.build(t, w, k, now=now))


def test_the_reminder_and_the_digest_arrive_once_per_channel(week, receiver, people):
    for _ in range(3):  # beat ticks again and again
        tick(AFTER_REMINDER)
    reminders = receiver.got("status")
    assert len(reminders) == 1
    text = str(reminders[0]["blocks"])
    assert "Ephemeral CI runners" in text and "Postgres 17" in text
    assert f"/i/{week['first'].key}/update/" in text  # each links to its update form
    with travel(utc("2026-11-20 10:00")):
        post(week["first"], people["dri"], WEEK, Health.OFF_TRACK, utc("2026-11-20 10:00"))
    for _ in range(2):
        tick(AFTER_DIGEST)
    got = receiver.got("status")
    assert len(got) == 2
    digest = got[1]
    assert not slack_limit_errors(digest)
    assert "weekly digest 2026-W47" in digest["blocks"][0]["text"]["text"]
    assert "?week=2026-W47" in str(digest["blocks"])  # links to the web preview
    keys = set(ChatDelivery.objects.filter(kind__in=["reminder", "digest"]).values_list(
        "dedupe_key", flat=True))  # fmt: skip
    assert keys == {
        f"reminder:{week['status'].pk}:{week['status'].team_id}:2026-W47",
        f"digest:{week['status'].pk}:{week['status'].team_id}:2026-W47",
    }
    assert receiver.got("events") == [
        body for body in receiver.got("events") if "Off track" in body["text"]
    ]  # the events channel had only the red update, never the reminder or the digest


def test_a_build_handed_over_twice_posts_once(week, receiver):
    with travel(AFTER_REMINDER), committed():
        jobs.build(week["status"].team_id, WEEK, "reminder", now=AFTER_REMINDER)
        jobs.build(week["status"].team_id, WEEK, "reminder", now=AFTER_REMINDER)
    assert len(receiver.got("status")) == 1


def test_a_channel_connected_after_the_slot_waits_for_the_next_one(week, team, people, receiver):
    with travel(AFTER_REMINDER + dt.timedelta(hours=1)):
        make_channel(team, people["em"], receiver, "late", ["reminder"])
    tick(AFTER_REMINDER + dt.timedelta(hours=2))
    assert receiver.got("late") == [] and len(receiver.got("status")) == 1


def test_nothing_to_remind_claims_the_week_without_posting(week, receiver, people):
    with travel(utc("2026-11-18 10:00")):
        post(week["first"], people["dri"], WEEK, Health.ON_TRACK, utc("2026-11-18 10:00"))
        post(week["second"], people["engineer"], WEEK, Health.ON_TRACK, utc("2026-11-18 10:00"))
    tick(AFTER_REMINDER)
    tick(AFTER_REMINDER)
    assert receiver.got("status") == []
    row = ChatDelivery.objects.get(kind="reminder")
    assert row.status == ChatDeliveryStatus.SKIPPED and "update" in row.last_error


def test_events_only_for_the_kinds_chosen_and_red_yellow_filter(week, receiver, people):
    initiative = week["first"]
    with committed():
        services.status_update_post(initiative=initiative, actor=people["dri"], health="on_track")
        services.status_update_post(
            initiative=initiative, actor=people["dri"], health="at_risk", risks="Vendor quota"
        )
        services.initiative_transition(initiative=initiative, actor=people["em"], to=State.PAUSED)
    got = receiver.got("events")
    assert len(got) == 2  # the yellow revision and the transition; not the green update
    assert "🟡" in got[0]["text"] and "Vendor" not in got[0]["text"]
    assert "Paused" in got[1]["text"] and f"[{initiative.key}](" in got[1]["text"]
    assert receiver.got("status") == []


def test_an_event_handed_over_twice_is_posted_once(week, receiver, people):
    with committed():
        services.initiative_transition(
            initiative=week["first"], actor=people["em"], to=State.PAUSED
        )
    event = ActivityEvent.objects.filter(verb="initiative.transitioned").latest("pk")
    with committed():
        assert enqueue_event(event.pk) == []
    assert len(receiver.got("events")) == 1


def test_events_of_other_subjects_are_followed_by_name(week, receiver, people, team):
    """``signoff.requested`` (another subject's) reaches a channel that follows it, by name."""
    channel = make_channel(team, people["em"], receiver, "signoffs", ["signoff.requested"])
    with committed():
        services.common.record(
            actor=people["dri"],
            verb="signoff.requested",
            summary=f"Asked security to sign off the DoR of {week['first'].key}",
            initiative=week["first"],
        )
    assert len(receiver.got("signoffs")) == 1
    assert ChatDelivery.objects.get(channel=channel).event_type == "signoff.requested"


def test_a_410_disables_the_channel_with_the_reason(week, receiver, people):
    receiver.statuses["/events"] = [410]
    with committed():
        services.initiative_transition(
            initiative=week["first"], actor=people["em"], to=State.PAUSED
        )
    channel = ChatChannel.objects.get(pk=week["events"].pk)
    assert not channel.active and "410 Gone" in channel.disabled_reason
    delivery = ChatDelivery.objects.get(channel=channel)
    assert delivery.status == ChatDeliveryStatus.FAILED and delivery.attempts == 1
    disabled = ActivityEvent.objects.get(verb="chat_channel.disabled")
    assert disabled.actor is None and "410" in disabled.summary
    # Nothing more goes to it until the EM enables it again.
    with committed():
        services.initiative_transition(
            initiative=week["first"], actor=people["em"], to=State.IN_DELIVERY
        )
    assert len(receiver.got("events")) == 1
    chat.chat_channel_update(channel=channel, actor=people["em"], changes={"active": True})
    channel.refresh_from_db()
    assert channel.active and channel.disabled_reason == ""
    assert verify().ok


def test_5xx_is_retried_with_backoff_then_sent(week, receiver, people):
    receiver.statuses["/events"] = [500, 503]
    with committed():
        services.initiative_transition(
            initiative=week["first"], actor=people["em"], to=State.PAUSED
        )
    delivery = ChatDelivery.objects.get(channel=week["events"])
    assert delivery.status == ChatDeliveryStatus.SENT and delivery.attempts == 3
    assert len(receiver.got("events")) == 3 and len({str(b) for _, b in receiver.received}) == 1


def test_a_delivery_left_sending_by_a_dead_worker_is_never_resent(week, receiver):
    row = ChatDelivery.objects.create(
        channel=week["status"], kind="reminder", week=WEEK, payload={"text": "x"},
        status=ChatDeliveryStatus.SENDING, claimed_at=utc("2026-11-19 10:00"),
    )  # fmt: skip
    assert sending.deliver(row.pk) is None  # a redelivered task message: not pending
    assert sending.sweep(now=utc("2026-11-19 10:30")) == []
    row.refresh_from_db()
    assert row.status == ChatDeliveryStatus.FAILED and "may have arrived" in row.last_error
    assert receiver.received == []


def test_webhook_urls_are_encrypted_and_never_shown(week, receiver):
    channel = ChatChannel.objects.get(pk=week["status"].pk)
    assert receiver.base not in channel.webhook_url_encrypted
    assert channel.webhook_hint == "127.0.0.1/…atus"
    for event in ActivityEvent.objects.filter(verb__startswith="chat_channel."):
        assert receiver.base not in str(event.after) + str(event.before) + event.summary
    assert not OutboxMessage.objects.filter(payload__icontains=receiver.base).exists()


def test_beats_chat_tick_sends_whats_due_and_repairs_lost_deliveries(week, receiver):
    from initiatives.chat import tasks

    with travel(AFTER_REMINDER), committed():
        result = tasks.chat_tick()
    assert result == {"builds": 1, "cross_team": 0, "requeued": 0}
    assert len(receiver.got("status")) == 1
    # A delivery whose task message was lost is queued again by a later tick.
    lost = ChatDelivery.objects.create(
        channel=week["status"], kind="digest", week="2026-W46", payload={"text": "lost"},
        next_attempt_at=AFTER_REMINDER,
    )  # fmt: skip
    with travel(AFTER_REMINDER + dt.timedelta(minutes=20)), committed():
        assert tasks.chat_tick()["requeued"] == 1
    lost.refresh_from_db()
    assert lost.status == ChatDeliveryStatus.SENT and receiver.got("status")[-1] == {"text": "lost"}
