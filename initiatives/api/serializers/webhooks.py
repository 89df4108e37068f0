"""Webhook endpoints and their delivery log: output functions, the serializers describing
those shapes (see ``serializers.common``), and the input serializer."""

from __future__ import annotations

import datetime as dt

from django.core.validators import URLValidator
from django.utils import timezone
from rest_framework import serializers

from initiatives.api.serializers.common import JSON, iso_datetime
from initiatives.webhooks.models import (
    WEBHOOK_EVENTS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)


def endpoint_out(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> JSON:
    """An endpoint (its team loaded); ``with_secret`` only in the answer to its creation."""
    tz = timezone.get_current_timezone()
    body: JSON = {
        "id": endpoint.pk,
        "team": endpoint.team.key,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "active": endpoint.active,
        "description": endpoint.description,
        "created_at": iso_datetime(endpoint.created_at, tz),
        "updated_at": iso_datetime(endpoint.updated_at, tz),
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def delivery_out(delivery: WebhookDelivery, tz: dt.tzinfo | None = None) -> JSON:
    tz = tz or timezone.get_current_timezone()
    return {
        "id": delivery.pk,
        "endpoint": delivery.endpoint_id,
        "event_id": str(delivery.event_id),
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error,
        "next_attempt_at": iso_datetime(delivery.next_attempt_at, tz),
        "delivered_at": iso_datetime(delivery.delivered_at, tz),
        "redelivery_of": delivery.redelivery_of_id,
        "payload": delivery.payload,
        "created_at": iso_datetime(delivery.created_at, tz),
        "updated_at": iso_datetime(delivery.updated_at, tz),
    }


class WebhookEndpointSerializer(serializers.Serializer):
    """Shape of ``endpoint_out``."""

    id = serializers.IntegerField()
    team = serializers.CharField(help_text="The team's key.")
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WEBHOOK_EVENTS))
    active = serializers.BooleanField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The answer to a creation: the only time the secret is shown."""

    secret = serializers.CharField()


class WebhookDeliverySerializer(serializers.Serializer):
    """Shape of ``delivery_out``."""

    id = serializers.IntegerField()
    endpoint = serializers.IntegerField(help_text="The endpoint's id.")
    event_id = serializers.UUIDField()
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    response_status = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    redelivery_of = serializers.IntegerField(
        allow_null=True, help_text="The delivery this one repeats."
    )
    payload = serializers.DictField(help_text="The event as it was sent.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class WebhookEndpointInputSerializer(serializers.Serializer):
    # Deliveries go to http(s) only (the schema's pattern says so: ``api.schema``).
    url = serializers.URLField(max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WEBHOOK_EVENTS), min_length=1, max_length=20
    )
    secret = serializers.CharField(
        required=False,
        trim_whitespace=False,  # a secret is taken as given
        min_length=16,
        max_length=128,
        help_text="Signing secret; generated (and returned once) when omitted.",
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    active = serializers.BooleanField(required=False, default=True)
