"""From audit events to chat messages. Every write records one audit event
(``services.common.record``), which the domain publishes (``services.publish``);
``activity_recorded`` subscribes and, when a channel of the team follows that kind of event,
writes an outbox message in the same transaction. After commit (or once the broker is back) the
outbox hands it to ``fan_out``: one delivery row per channel, unique per (channel, event), and
one delivery task each.

Events of other subjects are followed by name only (``gate.no_longer_met``,
``signoff.requested``): nothing of theirs is imported."""

from __future__ import annotations

from typing import Any

from initiatives.chat import messages
from initiatives.chat.models import ChatChannel, ChatDelivery, MessageKind
from initiatives.chat.selectors import Following, following
from initiatives.chat.services import DELIVER_TASK
from initiatives.models import ActivityEvent, Health
from initiatives.outbox.api import enqueue, register
from initiatives.services.publish import subscribe

# Audit verbs and the channel message each one is.
VERB_MESSAGES: dict[str, str] = {
    "initiative.transitioned": "initiative.transitioned",
    "initiative.gate_overridden": "initiative.gate_overridden",
    "gate.no_longer_met": "gate.no_longer_met",
    "milestone.slipped": "milestone.slipped",
    "status_update.posted": "status_update.posted",
    "status_update.revised": "status_update.posted",
    "signoff.requested": "signoff.requested",
}
WORRYING = (Health.AT_RISK, Health.OFF_TRACK)


def follows(choice: Following, message: str, event: ActivityEvent) -> bool:
    """Whether a channel that chose ``choice`` gets ``event``: it follows the kind, and for
    weekly updates with "red and yellow only", the update is at risk or off track."""
    messages, red_yellow_only = choice
    if message not in messages:
        return False
    if message == "status_update.posted" and red_yellow_only:
        return (event.after or {}).get("health") in WORRYING
    return True


@subscribe
def activity_recorded(event: ActivityEvent) -> None:
    message = VERB_MESSAGES.get(event.verb)
    if message is None:
        return
    # What the team's channels follow comes from the cache (``selectors.following``): most
    # teams have no channel, and their writes pay neither a query nor an outbox row.
    if any(follows(choice, message, event) for choice in following(event.team_id)):
        enqueue("chat.event", {"activity_id": event.pk})


def enqueue_event(activity_id: int) -> list[int]:
    """One delivery per channel following the event (unique per channel and event, so an
    outbox message handed over twice adds none), each queued after commit. Returns their ids."""
    event = (
        ActivityEvent.objects.select_related("team", "initiative__team")
        .filter(pk=activity_id)
        .first()
    )
    message = VERB_MESSAGES.get(event.verb) if event else None
    if event is None or message is None:
        return []
    channels = [
        c
        for c in ChatChannel.objects.filter(team_id=event.team_id, active=True)
        if follows((tuple(c.messages), c.red_yellow_only), message, event)
    ]
    keys = {c.pk: f"event:{c.pk}:{event.pk}" for c in channels}
    done = set(
        ChatDelivery.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    created = []
    for channel in channels:
        if keys[channel.pk] in done:
            continue
        delivery = ChatDelivery.objects.create(
            channel=channel,
            team_id=event.team_id,
            kind=MessageKind.EVENT,
            event_type=message,
            activity_id=event.pk,
            dedupe_key=keys[channel.pk],
            payload=messages.event_payload(channel.kind, event),
        )
        enqueue("celery.task", {"task": DELIVER_TASK, "args": [delivery.pk]})
        created.append(delivery.pk)
    return created


@register("chat.event")
def fan_out(payload: dict[str, Any]) -> None:
    """Outbox handler: an audit event to the team's channels that follow it."""
    enqueue_event(payload["activity_id"])
