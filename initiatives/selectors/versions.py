"""What keys cached reads: a team's data version.

Every write to a team's data goes through a service that records exactly one activity event
(``services.common.record``), and recording it adds one to the team's ``data_version`` inside
the writing transaction. That UPDATE holds the team's row lock until commit, so of two writers
the second waits for the first to commit and the number moves in commit order: once a write
is visible to a reader, so is the version that follows it. A cached read keyed by the version
is never served after a write. (The id of the newest event was not enough: on PostgreSQL ids
are taken at INSERT, and a slower writer committing after a faster one left the highest id
unchanged.) Entries also expire after ``READ_CACHE_SECONDS`` (settings; 0 turns caching off),
which bounds what the key cannot see: a user's renamed display name."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Subquery, Sum
from django.utils import timezone

from initiatives.compiled import CompiledRead
from initiatives.models import Membership, Team


def newest_event_id(team_ids: Iterable[int]) -> int:
    """The combined data version of the teams (0 before any write): the sum of their
    versions, which grows whenever any of them does. One query. (The name is kept from when
    the version was the newest event's id.)"""
    versions = Team.objects.filter(pk__in=list(team_ids)).aggregate(n=Sum("data_version"))
    return versions["n"] or 0


def loaded_version(teams: Iterable[Team]) -> int:
    """The combined data version of team rows the request has already read (what
    ``newest_event_id`` would query, without the query). Safe as a key because the rows were
    read before the data the key is for: a write that lands in between makes the cached value
    newer than its key, never older."""
    return sum(team.data_version for team in teams)


def team_version(team_id: Any) -> Subquery:
    """The data version of one team as a subquery (``team_id`` may be an ``OuterRef``), so
    that a read can learn the version in the query it makes anyway."""
    return Subquery(Team.objects.filter(pk=team_id).values("data_version")[:1])


# Built once per process (initiatives.compiled): my work reads it on every view.
_USER_TEAM_VERSIONS: CompiledRead[Membership] = CompiledRead(
    lambda user_id: (
        Membership.objects.filter(user_id=user_id)
        .order_by("team_id")
        .values_list("team_id", "team__data_version")
    ),
    user_id=int,
)


def user_team_versions(user: Any) -> list[tuple[int, int | None]]:
    """(team id, data version) of every team ``user`` belongs to, in one query: what keys a
    cached read of everything the user can see. Joining or leaving a team changes it too."""
    return [(team, version) for team, version in _USER_TEAM_VERSIONS.values(user_id=user.pk)]


def read_key(kind: str, *parts: Any) -> str:
    """A cache key for a read of ``kind`` from ``parts`` (hashed, so keys stay short). The
    active time zone is part of every key: a page rendered for a viewer in Berlin shows its
    times there and is never served to one in New York."""
    parts = (*parts, timezone.get_current_timezone_name())
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
