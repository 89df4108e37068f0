"""What keys cached reads: a team's data version.

Every write to a team's data goes through a service that records exactly one activity event
(``services.common.record``), so the id of the team's newest event changes whenever anything
its pages show changes. A cached page keyed by it is never served after a write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Max, OuterRef, Subquery

from ..models import ActivityEvent, Membership, Team


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
