"""A person's own notification state: marking read, preferences, the unsubscribe link.

These change nothing of any team (no initiative, no team data, no cached page), so they are
not team audit events: the activity log is per team and keyed for cached reads, and a person
reading their inbox is neither. Each is still one atomic write, checked to touch only the
caller's own rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.utils import timezone

from initiatives.notifications.models import Channel, Kind, Notification, Preference
from initiatives.notifications.selectors import preferences_of
from initiatives.rules.exceptions import NotFound, ValidationFailed

UNSUBSCRIBE_SALT = "shipshape.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 180 * 24 * 3600
# What taking email away from a channel leaves.
WITHOUT_EMAIL: dict[str, str] = {
    Channel.BOTH: Channel.IN_APP,
    Channel.EMAIL: Channel.OFF,
    Channel.IN_APP: Channel.IN_APP,
    Channel.OFF: Channel.OFF,
}


def notifications_mark_read(
    *, actor: Any, ids: Iterable[int] | None = None, everything: bool = False
) -> int:
    """Mark the actor's own notifications read: those of ``ids`` (others' ids are ignored,
    as if they did not exist), or all of them. Returns how many changed."""
    if not everything and ids is None:
        raise ValidationFailed(fields={"ids": ["Give the ids, or all."]})
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if not everything:
        unread = unread.filter(pk__in=list(ids or []))
    with transaction.atomic():
        return unread.update(read_at=timezone.now())


def preferences_set(*, actor: Any, changes: Mapping[str, str]) -> dict[str, str]:
    """Set the actor's channel for some kinds; returns every kind's channel after."""
    errors: dict[str, list[str]] = {}
    for kind, channel in changes.items():
        if kind not in Kind.values:
            errors[kind] = ["Not a kind of notification."]
        elif channel not in Channel.values:
            errors[kind] = [f"Choose one of {', '.join(Channel.values)}."]
    if errors:
        raise ValidationFailed("Some preferences are not valid.", fields=errors)
    with transaction.atomic():
        for kind, channel in changes.items():
            Preference.objects.update_or_create(
                user=actor, kind=kind, defaults={"channel": channel}
            )
    return preferences_of(actor)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_link(token: str) -> tuple[Any, str] | None:
    """The (user, kind) a signed link names, or None for a forged, mangled or stale one."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("k") not in Kind.values:
        return None
    user_id = payload.get("u")
    if not isinstance(user_id, int):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return (user, payload["k"]) if user is not None else None


def notifications_unsubscribe(*, token: str) -> tuple[Any, str]:
    """Apply a one-click unsubscribe link (no login): no more email of that kind; the inbox
    keeps it if it had it. NotFound for a link that is not valid."""
    found = unsubscribe_link(token)
    if found is None:
        raise NotFound("This unsubscribe link is not valid.")
    user, kind = found
    current = preferences_of(user)[kind]
    preferences_set(actor=user, changes={kind: WITHOUT_EMAIL[current]})
    return user, kind
