"""Run by ``bench/run.py`` in a child process with the benchmark's settings: picks the targets
in the seeded data, creates a token and a session, counts the SQL queries of each operation
once with Django's test client, and times the jobs. Prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from initiatives import services  # noqa: E402
from initiatives.models import Initiative, State, Task, Team  # noqa: E402
from initiatives.rules.workflow import iso_week, shift_week  # noqa: E402
from initiatives.tokens.services import token_create, tokens_revoke_all  # noqa: E402
from initiatives.weekly.digest import build_digest  # noqa: E402


def session_for(user: Any) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend a sign-in through the login form records (the first that authenticates).
    session[BACKEND_SESSION_KEY] = "initiatives.notifications.auth.UnreadCountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None  # create() gave it one
    return session.session_key


def bare_status(path: str) -> int:
    """The status of ceiling 0 (``bench.bare``), called as gunicorn calls it."""
    from bench.bare import application

    statuses: list[str] = []
    environ = RequestFactory().get(path).environ

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)

    body = application(environ, start_response)
    b"".join(body)
    return int(statuses[0].split()[0])


def timed(fn, repeat: int = 5) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(runs), "max_ms": max(runs)}


class _Rollback(Exception):
    pass


def tick_all_teams() -> None:
    """One beat tick over every team (what ``initiatives.tick`` does), rolled back so that
    each repetition finds the same jobs due; dispatch is a no-op (no broker here)."""
    from initiatives.weekly import jobs as weekly_jobs

    def noop(*args: Any) -> None:
        return None

    try:
        with transaction.atomic():
            now = timezone.now()
            weekly_jobs.enqueue_due_jobs(now=now, dispatch=noop)
            weekly_jobs.sweep(now=now, dispatch_job=noop, dispatch_delivery=noop)
            raise _Rollback
    except _Rollback:
        pass


def main() -> None:
    # Cached reads are keyed by row ids, which a freshly seeded database hands out again: start
    # from an empty cache, so that every run measures its own pages.
    cache.clear()
    team = Team.objects.annotate(n=Count("initiatives")).order_by("-n", "pk").first()
    if team is None:
        raise SystemExit("No data: run `manage.py seed_scale` first.")
    in_delivery = Initiative.objects.filter(state=State.IN_DELIVERY).annotate(n=Count("activity"))
    # The initiative page measured is the busiest one in delivery of the largest team.
    largest = in_delivery.filter(team=team).order_by("-n", "pk").first()
    if largest is None:  # tiny smoke datasets
        largest = in_delivery.order_by("-n", "pk").first()
        if largest is None:
            raise SystemExit("The seeded data has no initiative in delivery.")
        team = Team.objects.annotate(n=Count("initiatives")).get(pk=largest.team_id)
    user = largest.dri
    blocked = Initiative.objects.filter(team=team, state=State.SCOPING, dri=user).first()
    if blocked is None:
        blocked = services.initiative_create(team=team, actor=user, title="Bench blocked")
        blocked = services.initiative_transition(initiative=blocked, to=State.SCOPING, actor=user)
    task = Task.objects.filter(initiative=largest).order_by("pk").first()
    if task is None:
        raise SystemExit(f"{largest.key} has no task to edit.")
    tokens_revoke_all(user=user)  # a reused database keeps the previous runs' tokens
    _, token = token_create(user=user, name="bench")
    session = session_for(user)
    # A browser sends the CSRF cookie it was given on its first page; so does the benchmark.
    csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)

    key, bkey = largest.key, blocked.key
    operations: list[dict[str, Any]] = [
        dict(name="ceiling 0 bare Django view", kind="ceiling", path="/bench/zero/", auth="none"),
        dict(name="ceiling (a) minimal JSON", kind="ceiling", path="/bench/ping/"),
        dict(name="ceiling (b) DRF list of 50", kind="ceiling", path="/bench/users/"),
        dict(
            name="web: team board",
            kind="web",
            path=f"/teams/{team.key}/",
            auth="session",
            target="p95 ≤ 100 ms",
        ),
        dict(
            name="web: initiative page",
            kind="web",
            path=f"/i/{key}/",
            auth="session",
            target="p95 ≤ 100 ms",
        ),
        dict(
            name="web: dashboard (largest team)",
            kind="web",
            path=f"/teams/{team.key}/dashboard/",
            auth="session",
            target="p95 ≤ 150 ms",
        ),
        dict(name="web: my work", kind="web", path="/", auth="session", target="p95 ≤ 100 ms"),
        dict(
            name="api: list initiatives (50)",
            kind="api",
            path=f"/api/v1/initiatives/?team={team.key}&page_size=50",
            target="≥ 50 % of (b), p95 ≤ 50 ms",
        ),
        dict(
            name="api: initiative detail",
            kind="api",
            path=f"/api/v1/initiatives/{key}/",
            target="≥ 25 % of (a), p95 ≤ 50 ms",
        ),
        dict(
            name="api: checklists",
            kind="api",
            path=f"/api/v1/initiatives/{key}/checklists/",
            target="≥ 25 % of (a), p95 ≤ 50 ms",
        ),
        dict(
            name="api: tasks of an initiative",
            kind="api",
            path=f"/api/v1/initiatives/{key}/tasks/",
            target="p95 ≤ 50 ms",
        ),
        dict(
            name="api: blocked transition (409)",
            kind="api",
            method="POST",
            path=f"/api/v1/initiatives/{bkey}/transition/",
            body='{"to": "ready"}',
            expect=409,
            target="p95 ≤ 80 ms",
        ),
        dict(
            name="api: PATCH a task",
            kind="api",
            method="PATCH",
            path=f"/api/v1/tasks/{task.pk}/",
            body='{"title": "Bench edit %d"}',
            target="p95 ≤ 80 ms",
        ),
        dict(
            name="api: POST weekly update",
            kind="api",
            method="POST",
            path=f"/api/v1/initiatives/{key}/updates/",
            body='{"health": "on_track", "progress": "Bench progress %d"}',
            expect=200,
            target="p95 ≤ 80 ms",
        ),
    ]

    client = Client()
    for op in operations:
        if op.get("auth") == "none":  # ceiling 0: no middleware, served beside the test client
            with CaptureQueriesContext(connection) as queries:
                status = bare_status(op["path"])
            if status != 200:
                raise SystemExit(f"{op['name']}: {status}")
            op["queries"] = len(queries)
            continue
        headers = {"Authorization": f"Bearer {token}"}
        if op.get("auth") == "session":
            client.force_login(user)
            client.cookies["csrftoken"] = csrf
            headers = {}
        body = op.get("body", "").replace("%d", "0")
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(
                op.get("method", "GET"),
                op["path"],
                body,
                content_type="application/json",
                headers=headers,
            )
        expected = op.get("expect", 200)
        if response.status_code != expected:
            raise SystemExit(f"{op['name']}: {response.status_code} (expected {expected})")
        op["queries"] = len(queries)
        client.logout()

    week = shift_week(iso_week(timezone.localdate()), -1)
    with CaptureQueriesContext(connection) as digest_queries:
        build_digest(team, week)
    jobs = {
        "job: build the digest (largest team)": timed(lambda: build_digest(team, week)),
        "job: one beat tick over all teams": timed(tick_all_teams),
    }
    operations += [
        dict(
            name="job: build the digest (largest team)",
            kind="job",
            queries=len(digest_queries),
            target="≤ 1 s for 100 initiatives",
        ),
        dict(name="job: one beat tick over all teams", kind="job", target="≤ 1 s over 20 teams"),
    ]
    print(
        json.dumps(
            {
                "token": token,
                "session": session,
                "csrf": csrf,
                "operations": operations,
                "jobs": jobs,
                "largest_team": team.key,
                "initiatives_in_largest_team": team.n,
                "now": dt.datetime.now().isoformat(),
            }
        )
    )


if __name__ == "__main__":
    main()
