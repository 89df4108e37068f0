"""Database health checks only after idleness (``tracker/connections.py``): a connection that
served a request moments ago is not checked again (no ``SELECT 1`` per request); one idle for
``DB_HEALTH_CHECK_IDLE_SECONDS`` is. (A restart under load: ``test_faults.py``.)"""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection
from django.test import Client

from tracker import connections as health


@pytest.fixture
def checked(monkeypatch, db):
    connection.ensure_connection()
    enabled = connection.health_check_enabled
    connection.health_check_enabled = True
    health.install()
    checks: list[int] = []
    is_usable = connection.is_usable

    def counting() -> bool:
        checks.append(1)
        return is_usable()

    monkeypatch.setattr(connection, "is_usable", counting)
    yield checks
    connection.health_check_enabled = enabled


def request_cycle() -> None:
    """What a request does to the connection: started, one query, finished."""
    request_started.send(sender=None)
    connection.health_check_done = False  # as close_if_unusable_or_obsolete leaves it
    health._skip_recent_health_checks()
    connection.close_if_health_check_failed()
    request_finished.send(sender=None)


def test_a_busy_connection_is_not_checked_on_every_request(checked, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(health, "_clock", lambda: clock[0])
    setattr(connection, health._LAST_FINISHED, None)
    request_cycle()  # never used before: checked
    assert len(checked) == 1
    for _ in range(5):
        clock[0] += 1
        request_cycle()
    assert len(checked) == 1
    clock[0] += 5  # idle for DB_HEALTH_CHECK_IDLE_SECONDS
    request_cycle()
    assert len(checked) == 2


def test_the_idle_bound_is_a_setting(checked, monkeypatch, settings):
    settings.DB_HEALTH_CHECK_IDLE_SECONDS = 0
    setattr(connection, health._LAST_FINISHED, None)
    for _ in range(3):
        request_cycle()
    assert len(checked) == 3


def test_requests_still_work(people):
    client = Client()
    client.force_login(people["dri"])
    assert client.get("/").status_code == 200
