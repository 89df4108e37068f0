"""From audit events to webhook deliveries.

Every write records one audit event (``services.common.record``), which the domain publishes
(``services.publish``). ``activity_recorded`` subscribes: for the verbs that are webhook
events, and only when an endpoint of the team listens, it writes an outbox message in the same
transaction. The outbox hands it to ``enqueue_event`` after commit (nothing is sent for work
that rolls back), which writes one ``WebhookDelivery`` row per endpoint and queues its task.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from initiatives.models import ActivityEvent
from initiatives.outbox.api import enqueue, register
from initiatives.services.publish import subscribe
from initiatives.webhooks.delivery import DELIVER_TASK
from initiatives.webhooks.models import WebhookDelivery, WebhookEndpoint

# Audit verbs (``services``) and the webhook event each one is published as.
VERB_EVENTS: dict[str, str] = {
    "initiative.transitioned": "initiative.transitioned",
    "initiative.gate_overridden": "initiative.gate_overridden",
    "checklist_item.ticked": "checklist_item.changed",
    "checklist_item.signed_off": "checklist_item.changed",
    "checklist_item.waived": "checklist_item.changed",
    "checklist_item.reopened": "checklist_item.changed",
    "milestone.slipped": "milestone.slipped",
    "milestone.completed": "milestone.completed",
    "status_update.posted": "status_update.posted",
    "status_update.revised": "status_update.posted",
    "request.created": "request.created",
    "request.triaged": "request.triaged",
    # Collaboration (initiatives.collab): names shared with chat, which posts sign-off requests.
    "comment.created": "comment.created",
    "signoff.requested": "signoff.requested",
    "signoff.declined": "signoff.declined",
}
# Webhook event ids are uuid5(namespace, audit event id): the same id for every hand-over.
EVENT_ID_NAMESPACE = uuid.UUID("5b0f7a4e-6c1d-4f55-9a57-3f1c2d0e8b11")


# --- Publishing events -----------------------------------------------------------------------


@subscribe
def activity_recorded(event: ActivityEvent) -> None:
    """Subscriber of every audit event (``services.publish``): publish it through the
    transactional outbox (a row in this transaction, handed over after commit or by the drain
    once the broker is back), so a broker outage neither fails the write nor loses the event."""
    event_type = VERB_EVENTS.get(event.verb)
    if event_type is None:
        return
    # Most teams register no webhook: one small query here spares every write an outbox row
    # and its hand-over after commit. It is the write's only look at the subscriptions: the
    # endpoints found travel with the message (``enqueue_event`` does not look again).
    subscribed = WebhookEndpoint.objects.filter(team_id=event.team_id, active=True).values_list(
        "pk", "events"
    )
    endpoint_ids = [pk for pk, events in subscribed if event_type in events]
    if endpoint_ids:
        enqueue("webhook.event", {"activity_id": event.pk, "endpoints": endpoint_ids})


def event_payload(event: ActivityEvent, event_type: str, event_id: uuid.UUID) -> dict[str, Any]:
    initiative = event.initiative
    return {
        "id": str(event_id),
        "type": event_type,
        "created_at": event.created_at.isoformat(),
        "team": event.team.key,
        "initiative": None
        if initiative is None
        else {
            "key": initiative.key,
            "title": initiative.title,
            "state": initiative.state,
            "url": f"{settings.SITE_URL}/api/v1/initiatives/{initiative.key}/",
        },
        "actor": None if event.actor is None else event.actor.get_username(),
        "verb": event.verb,
        "summary": event.summary,
        "target": {"type": event.target_type, "id": event.target_id},
        "before": event.before,
        "after": event.after,
    }


def enqueue_event(activity_id: int, endpoint_ids: list[int] | None = None) -> list[WebhookDelivery]:
    """Create a delivery per active endpoint subscribed to the event, and queue them:
    ``endpoint_ids``, the endpoints subscribed when the event was recorded, or (none given)
    those subscribed now."""
    event = (
        ActivityEvent.objects.select_related("team", "initiative__team", "actor")
        .filter(pk=activity_id)
        .first()
    )
    event_type = VERB_EVENTS.get(event.verb) if event else None
    if event is None or event_type is None:
        return []
    if endpoint_ids is None:
        endpoint_ids = [
            e.pk
            for e in WebhookEndpoint.objects.filter(team_id=event.team_id, active=True)
            if event_type in e.events
        ]
    if not endpoint_ids:
        return []
    # One id per audit event: the outbox may hand an event over twice (a crash before its
    # commit), and the second time finds the deliveries made the first time.
    event_id = uuid.uuid5(EVENT_ID_NAMESPACE, str(event.pk))
    if WebhookDelivery.objects.filter(event_id=event_id).exists():
        return []
    payload = event_payload(event, event_type, event_id)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint_id=pk, event_id=event_id, event_type=event_type, payload=payload)
        for pk in endpoint_ids
    )
    for delivery in deliveries:
        # Through the outbox: handed over once this commits (a worker must find the row), or
        # by the outbox drain if the broker is down.
        enqueue("celery.task", {"task": DELIVER_TASK, "args": [delivery.pk]})
    return deliveries


@register("webhook.event")
def fan_out(payload: dict[str, Any]) -> None:
    """Outbox handler: fan an audit event out to the team's webhook endpoints (delivery rows,
    then one delivery task each after this transaction commits)."""
    enqueue_event(payload["activity_id"], payload.get("endpoints"))
