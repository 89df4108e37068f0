"""Times in the viewer's time zone: the middleware activating it for every page, and the
sign-in hook that works it out once per session.

The zone (the person's own, else their team's: ``selectors.profile.time_zone_of``) is kept in
the session at sign-in, so pages pay no query for it; changing it on the profile page updates
the session. The API (``/api/``, token-authenticated, ISO 8601 times with their offset) is
left in UTC: the middleware does nothing there."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from initiatives.selectors.profile import time_zone_of

SESSION_KEY = "shipshape_tz"


def remember_time_zone(request: HttpRequest, user: Any) -> str:
    zone = time_zone_of(user)
    request.session[SESSION_KEY] = zone
    return zone


@receiver(user_logged_in, dispatch_uid="shipshape-time-zone")
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember_time_zone(request, user)


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserTimeZoneMiddleware:
    """Activates the signed-in viewer's time zone for the request (after the session and
    authentication middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        if not request.path.startswith("/api/") and (
            settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            try:
                name = request.session.get(SESSION_KEY)
                if name is None and request.user.is_authenticated:
                    # A session from before this setting: worked out once, then kept.
                    name = remember_time_zone(request, request.user)
            except DatabaseError:
                # A lost database is the view's to report (503, tracker.observability).
                name = None
            zone = _zone(name) if name else None
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
