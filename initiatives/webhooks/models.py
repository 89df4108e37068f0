"""Outgoing webhooks: the endpoints a team's EM registers and the log of their deliveries.

The tables belong to the ``shipshape_api`` app (their label and migrations predate this
package); ``initiatives.api.models`` imports them so that Django registers them there."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from initiatives.models import Team

# Event names a webhook endpoint may subscribe to (the list, stable API).
WEBHOOK_EVENTS = (
    "initiative.transitioned",
    "initiative.gate_overridden",
    "checklist_item.changed",
    "milestone.slipped",
    "milestone.completed",
    "status_update.posted",
    # Intake (issue 19): a request filed (or routed in, or an alert), a request triaged.
    "request.created",
    "request.triaged",
    # Collaboration (initiatives.collab)
    "comment.created",
    "signoff.requested",
    "signoff.declined",
)


class WebhookEndpoint(models.Model):
    """A URL a team's EM registered to receive chosen events, signed with ``secret``."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    # Kept in clear: it is needed to sign every delivery (HMAC-SHA256 of the body).
    secret = models.CharField(max_length=128)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "shipshape_api"
        ordering = ["team", "pk"]

    def __str__(self) -> str:
        return f"{self.team.key} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint, and what happened when it was sent.

    Moves pending → sending → succeeded, or back to pending with ``next_attempt_at`` after a
    failed attempt, or failed once the attempts are used up. A re-send is a new row with the
    same ``event_id`` (receivers de-duplicate on it)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    event_type = models.CharField(max_length=48)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "shipshape_api"
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id} ({self.status})"
