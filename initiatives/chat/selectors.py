"""Chat's reads, each a fixed number of queries: a team's channels, the channels that follow a
message, people's chat handles, the user behind a chat handle, delivery logs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from initiatives.chat.models import ChatChannel, ChatDelivery, ChatIdentity, ChatKind
from initiatives.models import Initiative

# What a command may name: a team key and a number the database can hold.
INITIATIVE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}-[0-9]{1,9}$")


def team_channels(team_id: int) -> QuerySet[ChatChannel]:
    return ChatChannel.objects.filter(team_id=team_id).order_by("name", "pk")


def channels_wanting(team_id: int, message: str) -> list[ChatChannel]:
    """The team's active channels that follow ``message`` (one query)."""
    return [c for c in ChatChannel.objects.filter(team_id=team_id, active=True) if c.wants(message)]


# What one active channel follows: its messages and its "red and yellow only" filter.
Following = tuple[tuple[str, ...], bool]
# How long a process may go on using what a team's channels follow: changes through the
# services clear it at once (across processes too, with a shared cache: CACHE_URL).
FOLLOWING_SECONDS = 60


def _following_key(team_id: int) -> str:
    return f"shipshape:chat:following:{team_id}"


def following(team_id: int) -> list[Following]:
    """What the team's active channels follow, from the cache (a query when not cached): read
    by every audited write, so that the many teams without a channel pay nothing."""
    key = _following_key(team_id)
    found = cache.get(key)
    if found is None:
        found = [
            (tuple(messages), red_yellow_only)
            for messages, red_yellow_only in ChatChannel.objects.filter(
                team_id=team_id, active=True
            ).values_list("messages", "red_yellow_only")
        ]
        cache.set(key, found, FOLLOWING_SECONDS)
    return found


def forget_following(team_id: int | None) -> None:
    """A channel of the team changed: drop what was cached, now and once the change commits
    (a write that reads it meanwhile would cache the state before the change)."""
    if team_id is None:
        return
    key = _following_key(team_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def identities(user_ids: Iterable[int]) -> dict[int, ChatIdentity]:
    """Chat handles by user id (one query; none for an empty list)."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    return {i.user_id: i for i in ChatIdentity.objects.filter(user_id__in=wanted)}


def identity_of(user: Any) -> ChatIdentity | None:
    return ChatIdentity.objects.filter(user=user).first()


def user_for_handle(kind: str, handle: str) -> Any | None:
    """The active Shipshape user who set this Slack member id or Mattermost username, or None."""
    if not handle:
        return None
    identities = ChatIdentity.objects.select_related("user").filter(user__is_active=True)
    if kind == ChatKind.SLACK:
        found = identities.filter(slack_user_id=handle).first()
    else:
        found = identities.filter(mattermost_username__iexact=handle.lstrip("@")).first()
    return found.user if found else None


def initiative_for_command(key: str, user: Any) -> Initiative | None:
    """The initiative ``KEY-N`` if ``user`` belongs to its team (None otherwise, as for a key
    that does not exist: a chat user learns nothing about other teams)."""
    if not INITIATIVE_KEY.match(key):
        return None
    return (
        Initiative.objects.by_key(key)
        .filter(team__memberships__user=user)
        .select_related("team", "dri")
        .first()
    )


def channel_deliveries(channel: ChatChannel, *, limit: int = 20) -> list[ChatDelivery]:
    return list(ChatDelivery.objects.filter(channel=channel).order_by("-created_at", "-pk")[:limit])
