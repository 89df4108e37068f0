"""Notifications and notification preferences: output functions, the serializers describing
those shapes (see ``serializers.common``), and the input serializers."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from initiatives.api.serializers.common import JSON, iso_datetime
from initiatives.notifications.models import Channel, Kind, Notification


def notification_out(notification: Notification) -> JSON:
    """A notification (its initiative and team loaded)."""
    initiative = notification.initiative
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "initiative": initiative.key if initiative else None,
        "summary": notification.summary,
        "url": f"{settings.SITE_URL}{notification.url}",
        "event": notification.event_id,
        "read": notification.read_at is not None,
        "created_at": iso_datetime(notification.created_at),
        "read_at": iso_datetime(notification.read_at),
    }


class NotificationSerializer(serializers.Serializer):
    """Shape of ``notification_out``."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    initiative = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
    url = serializers.CharField(help_text="The exact place: the comment, the item, …")
    event = serializers.IntegerField(help_text="The activity event it is about.")
    read = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
    )
    all = serializers.BooleanField(required=False)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")
    unread = serializers.IntegerField(help_text="How many stay unread.")


def _channel_field(kind: Kind) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=Channel.choices, help_text=kind.label)


class PreferencesSerializer(serializers.Serializer):
    """Every kind of notification and its channel (in the inbox, by email, both, off)."""

    mention = _channel_field(Kind.MENTION)
    reply = _channel_field(Kind.REPLY)
    signoff = _channel_field(Kind.SIGNOFF)
    assigned = _channel_field(Kind.ASSIGNED)
    following = _channel_field(Kind.FOLLOWING)
