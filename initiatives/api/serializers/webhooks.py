"""Serializers of the webhook endpoints and their delivery log."""

from __future__ import annotations

from rest_framework import serializers

from initiatives.webhooks.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.key", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WEBHOOK_EVENTS))

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "team",
            "url",
            "events",
            "active",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The answer to a creation: the only time the secret is shown."""

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WEBHOOK_EVENTS), min_length=1, max_length=20
    )
    secret = serializers.CharField(
        required=False,
        min_length=16,
        max_length=128,
        help_text="Signing secret; generated (and returned once) when omitted.",
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    active = serializers.BooleanField(required=False, default=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "redelivery_of",
            "payload",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
