"""The header's bell: the signed-in user's unread notifications."""

from __future__ import annotations

from typing import Any

from django import template

from initiatives.notifications.selectors import unread_count as count_unread

register = template.Library()


@register.filter
def unread_count(user: Any) -> int:
    """Loaded with the user by ``notifications.auth.UnreadCountBackend`` (no query); counted
    for a session made by another backend."""
    if not getattr(user, "is_authenticated", False):
        return 0
    known = getattr(user, "unread_notifications", None)
    return known if isinstance(known, int) else count_unread(user)
