"""Database health checks without a round trip per request.

Django's ``CONN_HEALTH_CHECKS`` runs ``SELECT 1`` before the first query of every request on a
persistent connection. Here that check runs only on a connection that has been idle for
``DB_HEALTH_CHECK_IDLE_SECONDS`` (default 5 s) since its last request: a server under load
never pays it, and a connection that sat through a quiet spell (when a restart of the database
is most likely to have gone unnoticed) is still checked before it is used.

A connection busy across a database restart is caught by the error instead: its request fails
(503, ``observability.DatabaseUnavailableMiddleware``), Django marks the connection as having
had errors and, at the end of that request, finds it unusable and closes it; the next request
connects afresh (the fault suite, ``tests/reliability/test_faults.py``, restarts PostgreSQL
under load and proves it)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

_LAST_FINISHED = "_shipshape_last_finished"
_clock = time.monotonic


def _skip_recent_health_checks(**kwargs: Any) -> None:
    idle = getattr(settings, "DB_HEALTH_CHECK_IDLE_SECONDS", 5)
    now = _clock()
    for conn in connections.all(initialized_only=True):
        enabled = getattr(conn, "health_check_enabled", False)
        if conn.connection is None or not enabled or getattr(conn, "health_check_done", True):
            continue
        last = getattr(conn, _LAST_FINISHED, None)
        if last is not None and now - last < idle:
            conn.health_check_done = True  # type: ignore[attr-defined]  # skipped this request


def _note_finished(**kwargs: Any) -> None:
    now = _clock()
    for conn in connections.all(initialized_only=True):
        # Django's own request_finished handler ran first: a broken connection is closed now.
        setattr(conn, _LAST_FINISHED, now if conn.connection is not None else None)


def install() -> None:
    """Connect the handlers once (after Django's ``close_old_connections``, so they see what it
    decided)."""
    request_started.connect(_skip_recent_health_checks, dispatch_uid="shipshape-db-health")
    request_finished.connect(_note_finished, dispatch_uid="shipshape-db-health")
