"""What keys cached reads: a team's data version.

Every write to a team's data goes through a service that records exactly one activity event
(``services.common.record``), so the id of the team's newest event changes whenever anything
its pages show changes. A cached page keyed by it is never served after a write. Entries also
expire after ``READ_CACHE_SECONDS`` (settings; 0 turns caching off), which bounds what the key
cannot see: a user's renamed display name, or an older event committed after a newer one."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from initiatives.models import ActivityEvent, Membership, Team


def newest_event_id(team_ids: Iterable[int]) -> int:
    """The id of the teams' newest activity event (0 before any). One query: an index lookup
    per team."""
    versions = (
        Team.objects.filter(pk__in=list(team_ids))
        .annotate(version=team_version(OuterRef("pk")))
        .aggregate(n=Max("version"))
    )
    return versions["n"] or 0


def team_version(team_id: Any) -> Subquery:
    """``newest_event_id`` of one team as a subquery (``team_id`` may be an ``OuterRef``), so
    that a read can learn the version in the query it makes anyway."""
    newest = ActivityEvent.objects.filter(team_id=team_id).order_by("-pk").values("pk")[:1]
    return Subquery(newest)


def user_team_versions(user: Any) -> list[tuple[int, int | None]]:
    """(team id, ``newest_event_id``) of every team ``user`` belongs to, in one query: what keys
    a cached read of everything the user can see. Joining or leaving a team changes it too."""
    return list(
        Membership.objects.filter(user=user)
        .annotate(version=team_version(OuterRef("team_id")))
        .order_by("team_id")
        .values_list("team_id", "version")
    )


def read_key(kind: str, *parts: Any) -> str:
    """A cache key for a read of ``kind`` from ``parts`` (hashed, so keys stay short)."""
    return f"read:{kind}:v1:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


def half_hour() -> str:
    """The current half hour (UTC): relative dates ("due in 3 days", stale flags) in every time
    zone move on at most this often."""
    now = timezone.now()
    return f"{now:%Y-%m-%dT%H}:{now.minute // 30}"


def remember(key: str, build: Callable[[], Any]) -> Any:
    """The cached value under ``key``, else ``build()`` stored under it."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.READ_CACHE_SECONDS)
    return value
