"""Whose time, where: the time zone a person's pages show times in."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from initiatives.models import Membership, Profile


def own_time_zone(user: Any) -> str:
    """The zone ``user`` chose ("" when they follow their team's)."""
    return Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""


def team_time_zone(user: Any) -> str:
    """The time zone of ``user``'s first team (by key), else the site's (UTC)."""
    zone = (
        Membership.objects.filter(user=user)
        .order_by("team__key")
        .values_list("team__time_zone", flat=True)
        .first()
    )
    return zone or settings.TIME_ZONE


def time_zone_of(user: Any) -> str:
    """The zone ``user``'s pages show times in: their own, else their team's (two queries at
    most; the web UI keeps the answer in the session, see ``web.timezones``)."""
    return own_time_zone(user) or team_time_zone(user)
