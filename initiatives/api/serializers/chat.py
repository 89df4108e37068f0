"""Chat channels and their delivery log: output functions, the serializers describing those
shapes (see ``serializers.common``), and the input serializer. The webhook URL is write-only:
no answer ever carries it, only ``webhook_hint``."""

from __future__ import annotations

import datetime as dt

from django.core.validators import URLValidator
from django.utils import timezone
from rest_framework import serializers

from initiatives.api.serializers.common import JSON, iso_datetime
from initiatives.chat.models import (
    CHAT_MESSAGES,
    ChatChannel,
    ChatDelivery,
    ChatDeliveryStatus,
    ChatKind,
    MessageKind,
)


def channel_out(channel: ChatChannel, tz: dt.tzinfo | None = None) -> JSON:
    """A team channel (its team loaded)."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": channel.pk,
        "team": channel.team.key if channel.team else None,
        "kind": channel.kind,
        "name": channel.name,
        "webhook_hint": channel.webhook_hint,
        "messages": list(channel.messages),
        "red_yellow_only": channel.red_yellow_only,
        "active": channel.active,
        "disabled_reason": channel.disabled_reason,
        "disabled_at": iso_datetime(channel.disabled_at, tz),
        "created_at": iso_datetime(channel.created_at, tz),
        "updated_at": iso_datetime(channel.updated_at, tz),
    }


def chat_delivery_out(delivery: ChatDelivery, tz: dt.tzinfo | None = None) -> JSON:
    tz = tz or timezone.get_current_timezone()
    return {
        "id": delivery.pk,
        "channel": delivery.channel_id,
        "kind": delivery.kind,
        "week": delivery.week,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error,
        "next_attempt_at": iso_datetime(delivery.next_attempt_at, tz),
        "sent_at": iso_datetime(delivery.sent_at, tz),
        "redelivery_of": delivery.redelivery_of_id,
        "payload": delivery.payload,
        "created_at": iso_datetime(delivery.created_at, tz),
    }


class ChatChannelSerializer(serializers.Serializer):
    """Shape of ``channel_out``."""

    id = serializers.IntegerField()
    team = serializers.CharField(help_text="The team's key.")
    kind = serializers.ChoiceField(choices=ChatKind.choices)
    name = serializers.CharField()
    webhook_hint = serializers.CharField(
        help_text="The webhook URL's host and last characters; the URL is never shown."
    )
    messages = serializers.ListField(child=serializers.ChoiceField(choices=list(CHAT_MESSAGES)))
    red_yellow_only = serializers.BooleanField()
    active = serializers.BooleanField()
    disabled_reason = serializers.CharField(help_text="Why delivery disabled the channel.")
    disabled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ChatDeliverySerializer(serializers.Serializer):
    """Shape of ``chat_delivery_out``."""

    id = serializers.IntegerField()
    channel = serializers.IntegerField(help_text="The channel's id.")
    kind = serializers.ChoiceField(choices=MessageKind.choices)
    week = serializers.CharField(help_text="The ISO week of a reminder or digest.")
    event_type = serializers.CharField(help_text="The event of an event message.")
    status = serializers.ChoiceField(choices=ChatDeliveryStatus.choices)
    attempts = serializers.IntegerField()
    response_status = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    redelivery_of = serializers.IntegerField(allow_null=True)
    payload = serializers.DictField(help_text="The message as it was posted.")
    created_at = serializers.DateTimeField()


class ChatChannelInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChatKind.choices)
    name = serializers.CharField(max_length=80)
    webhook_url = serializers.URLField(
        max_length=500,
        write_only=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Stored encrypted; never shown again.",
    )
    messages = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHAT_MESSAGES)), min_length=1, max_length=20
    )
    red_yellow_only = serializers.BooleanField(required=False, default=False)


class ChatChannelUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    webhook_url = serializers.URLField(
        max_length=500,
        write_only=True,
        required=False,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    messages = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHAT_MESSAGES)),
        min_length=1,
        max_length=20,
        required=False,
    )
    red_yellow_only = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)
