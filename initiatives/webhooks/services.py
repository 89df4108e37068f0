"""Writes of outgoing webhooks: the endpoints a team's EM registers and re-sending a delivery.
Each is atomic, EM-only and audited like every other write."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from initiatives.models import Team
from initiatives.outbox.api import enqueue
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import ValidationFailed
from initiatives.services.common import record, reject_unknown
from initiatives.webhooks.delivery import DELIVER_TASK, url_refusal
from initiatives.webhooks.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint

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


def _clean_url(url: str) -> str:
    """Refuse now (400) a URL that delivery would always refuse: an internal address."""
    url = (url or "").strip()
    refusal = url_refusal(url)
    if refusal:
        raise ValidationFailed(refusal, fields={"url": [refusal]}, code="url_not_public")
    return url


def _record(actor: Any, verb: str, endpoint: WebhookEndpoint, summary: str) -> None:
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
    url = _clean_url(url)
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
    reject_unknown(changes, EDITABLE_FIELDS)
    require_webhook_admin(actor, endpoint.team_id)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        for name, value in changes.items():
            if name == "events":
                value = _clean_events(value)
            if name == "url":
                value = _clean_url(value)
            if name == "secret" and not value:
                raise ValidationFailed(fields={"secret": ["The secret cannot be empty."]})
            setattr(locked, name, value)
        locked.save()
        _record(actor, "webhook.updated", locked, f"Changed webhook {locked.url}")
    return locked


def webhook_redeliver(*, delivery: WebhookDelivery, actor: Any) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same event id."""
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
        enqueue("celery.task", {"task": DELIVER_TASK, "args": [again.pk]})
    return again
