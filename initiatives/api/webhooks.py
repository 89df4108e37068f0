"""Outgoing webhooks: endpoints a team's EM registers, and the delivery of events to them.

``services.common.record`` calls ``activity_recorded`` for every audit row; for the verbs that
are webhook events it schedules ``enqueue_event`` to run once the transaction commits (nothing
is sent for work that rolls back). Each matching endpoint gets a ``WebhookDelivery`` row and a
Celery task, which signs the JSON body with the endpoint's secret (HMAC-SHA256) and posts it,
retrying with exponential backoff. The row is the source of truth: the task only acts on a
pending row, so a duplicated task message cannot send twice what has already been delivered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from initiatives import permissions as perms
from initiatives.exceptions import ValidationFailed
from initiatives.models import ActivityEvent, Team

from .models import WEBHOOK_EVENTS, DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

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
}
EVENT_ID_NAMESPACE = uuid.UUID("5b0f7a4e-6c1d-4f55-9a57-3f1c2d0e8b11")
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Shipshape-Signature"
EDITABLE_FIELDS = ("url", "events", "active", "description", "secret")


# --- Endpoints (EM only) ---------------------------------------------------------------------


def require_webhook_admin(user: Any, team: Team | int) -> perms.Actor:
    """Only a team's EM manages its webhooks; non-members get NotFound."""
    who = perms.actor_for(user, team)
    perms.ensure_member(who)
    perms.require(who.is_em, "Only an engineering manager can manage the team's webhooks.")
    return who


def _clean_events(events: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(events))
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown or not events:
        raise ValidationFailed(
            fields={"events": [f"Choose one or more of: {', '.join(WEBHOOK_EVENTS)}."]}
        )
    return events


def _record(actor: Any, verb: str, endpoint: WebhookEndpoint, summary: str) -> None:
    from initiatives.services.common import record

    record(
        actor=actor,
        verb=verb,
        summary=summary,
        team_id=endpoint.team_id,
        target=endpoint,
        after={"url": endpoint.url, "events": endpoint.events, "active": endpoint.active},
    )


def webhook_endpoint_create(
    *,
    team: Team,
    actor: Any,
    url: str,
    events: Iterable[str],
    secret: str = "",
    description: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint; without a ``secret`` one is generated (returned on the row)."""
    require_webhook_admin(actor, team)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            team=team,
            url=url,
            events=_clean_events(events),
            secret=secret or "whsec_" + secrets.token_urlsafe(32),
            description=description or "",
            active=active,
            created_by=actor,
        )
        _record(actor, "webhook.created", endpoint, f"Added webhook {url} for {team.key}")
    return endpoint


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, actor: Any, changes: Mapping[str, Any]
) -> WebhookEndpoint:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(fields={name: ["This field cannot be changed."] for name in unknown})
    require_webhook_admin(actor, endpoint.team_id)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        for name, value in changes.items():
            if name == "events":
                value = _clean_events(value)
            if name == "secret" and not value:
                raise ValidationFailed(fields={"secret": ["The secret cannot be empty."]})
            setattr(locked, name, value)
        locked.save()
        _record(actor, "webhook.updated", locked, f"Changed webhook {locked.url}")
    return locked


def webhook_redeliver(*, delivery: WebhookDelivery, actor: Any) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same event id."""
    from .tasks import deliver_webhook

    require_webhook_admin(actor, delivery.endpoint.team_id)
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            payload=delivery.payload,
            redelivery_of=delivery,
        )
        _record(
            actor,
            "webhook.redelivered",
            delivery.endpoint,
            f"Re-sent {delivery.event_type} {delivery.event_id} to {delivery.endpoint.url}",
        )
        # Through the outbox like every delivery: a broker outage must not fail the request.
        from initiatives.outbox.api import enqueue

        enqueue("celery.task", {"task": deliver_webhook.name, "args": [again.pk]})
    return again


# --- Publishing events -----------------------------------------------------------------------


def activity_recorded(event: ActivityEvent) -> None:
    """Hook of ``services.common.record``: publish the event through the transactional outbox
    (a row in this transaction, handed over after commit or by the drain once the broker is
    back), so a broker outage neither fails the write nor loses the event."""
    event_type = VERB_EVENTS.get(event.verb)
    if event_type is None:
        return
    # Most teams register no webhook: one small query here spares every write an outbox row
    # and its hand-over after commit.
    subscribed = WebhookEndpoint.objects.filter(team_id=event.team_id, active=True).values_list(
        "events", flat=True
    )
    if any(event_type in events for events in subscribed):
        from initiatives.outbox.api import enqueue

        enqueue("webhook.event", {"activity_id": event.pk})


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


def enqueue_event(activity_id: int) -> list[WebhookDelivery]:
    """Create a delivery per active endpoint subscribed to the event, and queue them."""
    from .tasks import deliver_webhook

    event = (
        ActivityEvent.objects.select_related("team", "initiative__team", "actor")
        .filter(pk=activity_id)
        .first()
    )
    event_type = VERB_EVENTS.get(event.verb) if event else None
    if event is None or event_type is None:
        return []
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(team_id=event.team_id, active=True)
        if event_type in e.events
    ]
    if not endpoints:
        return []
    # One id per audit event: the outbox may hand an event over twice (a crash before its
    # commit), and the second time finds the deliveries made the first time.
    event_id = uuid.uuid5(EVENT_ID_NAMESPACE, str(event.pk))
    if WebhookDelivery.objects.filter(event_id=event_id).exists():
        return []
    payload = event_payload(event, event_type, event_id)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=e, event_id=event_id, event_type=event_type, payload=payload)
        for e in endpoints
    )
    from initiatives.outbox.api import enqueue

    for delivery in deliveries:
        # Through the outbox: handed over once this commits (a worker must find the row), or
        # by the outbox drain if the broker is down.
        enqueue("celery.task", {"task": deliver_webhook.name, "args": [delivery.pk]})
    return deliveries


# --- Sending ---------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_delay(attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: 30 s, 1 min, 2 min, ... at most 6 h."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


class DeliveryRefused(Exception):
    pass


def address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """``settings.WEBHOOK_ALLOWED_NETWORKS`` when set (the tests: loopback only); otherwise
    public addresses only, so that a webhook cannot reach the internal network."""
    networks = getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", None)
    if networks is not None:
        return any(ip in ipaddress.ip_network(n) for n in networks)
    return ip.is_global


def post_json(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
    """POST ``body`` to ``url`` and return (status, start of the response). The host is
    resolved once, checked, and connected to by that address (no DNS rebinding), and
    redirects are not followed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryRefused("Only http(s) URLs are delivered to.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise DeliveryRefused(f"Cannot resolve {parts.hostname}: {error}") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise DeliveryRefused(f"{parts.hostname} resolves to an address that is not allowed.")
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, port, timeout=TIMEOUT_SECONDS)
    pinned = str(addresses[0])
    connection._create_connection = lambda address, timeout, source=None: (  # type: ignore[attr-defined]
        socket.create_connection((pinned, address[1]), timeout, source)
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        text = response.read(2048).decode("utf-8", "replace")
        return response.status, text
    finally:
        connection.close()


def delivery_attempt(delivery_id: int, *, now: dt.datetime | None = None) -> int | None:
    """Make one attempt at a pending delivery. Returns the seconds to wait before the next
    attempt, or None when there is nothing more to do (sent, given up, or not pending)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None
        endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
        delivery.attempts += 1
        delivery.status = DeliveryStatus.SENDING
        delivery.save(update_fields=["attempts", "status", "updated_at"])
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Shipshape-Webhooks/1",
        "X-Shipshape-Event": delivery.event_type,
        "X-Shipshape-Event-Id": str(delivery.event_id),
        "X-Shipshape-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(endpoint.secret, body),
    }
    status_code, error = None, ""
    if not endpoint.active:
        error = "The endpoint is disabled."
    else:
        try:
            status_code, text = post_json(endpoint.url, body, headers)
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {text[:500]}"
        except (OSError, http.client.HTTPException, DeliveryRefused) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
    now = now or timezone.now()
    delivery.response_status = status_code
    delivery.last_error = error
    delay = None
    if not error:
        delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, now
    elif delivery.attempts >= MAX_ATTEMPTS or not endpoint.active:
        delivery.status = DeliveryStatus.FAILED
    else:
        delay = backoff_delay(delivery.attempts)
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
    delivery.save(
        update_fields=[
            "status",
            "response_status",
            "last_error",
            "delivered_at",
            "next_attempt_at",
            "updated_at",
        ]
    )
    if error:
        logger.info(
            "Webhook delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error
        )
    return delay


def due_deliveries(
    now: dt.datetime | None = None, stuck_after: dt.timedelta = dt.timedelta(minutes=15)
) -> list[int]:
    """Deliveries whose queued task was lost (broker restart, worker killed mid-send): pending
    and overdue, or left "sending" for too long. Put back to pending and returned."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, updated_at__lt=now - stuck_after
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lt=now - stuck_after
        ).values_list("pk", flat=True)[:500]
    )
