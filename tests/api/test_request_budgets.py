"""Per-request query budgets of the benchmark's operations (README "Performance"), pinned at
what they cost now: a token verified in this process is not read again, the throttle is one
Redis round trip (no SQL), and a write reads each row once, with its lock. Reads are counted
uncached (the first request after a write); writes with the token already verified."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives import services
from initiatives.models import Initiative
from initiatives.tokens import services as tokens
from tests.api.test_queries import build

READS = {
    "/api/v1/initiatives/?team=PLAT&page_size=50": 3,
    "/api/v1/initiatives/PLAT-1/": 7,  # 1 for the key results it serves (goals)
    "/api/v1/initiatives/PLAT-1/checklists/": 4,
    "/api/v1/initiatives/PLAT-1/tasks/": 4,
}


@pytest.fixture
def warm(clients, team, people, settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    tokens.forget_verified()
    build(team, people, 3)
    client = clients["dri"]
    assert client.get("/api/v1/teams/").status_code == 200  # the token verified, use recorded
    yield client
    tokens.forget_verified()


def counted(client, method: str, path: str, body=None) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, body, format="json")
    sql = [q["sql"] for q in queries.captured_queries]
    # The test's own transaction turns the service's into a savepoint: not counted.
    return response.status_code, [q for q in sql if "SAVEPOINT" not in q]


@pytest.mark.parametrize("path", READS)
def test_uncached_reads(warm, path):
    cache.clear()
    status, queries = counted(warm, "get", path)
    assert status == 200
    assert len(queries) <= READS[path], queries
    print(f"QUERIES {path}: {len(queries)}", *[q[:90] for q in queries], sep="\n  ")


def test_patch_a_task_reads_each_row_once_and_writes_changed_columns(warm, people):
    task = services.task_create(
        initiative=Initiative.objects.by_key("PLAT-1").get(), actor=people["dri"], title="T"
    )
    status, queries = counted(warm, "patch", f"/api/v1/tasks/{task.pk}/", {"title": "Renamed"})
    assert status == 200
    # Lock the initiative (with the caller's role), lock the task, update it, then the audit
    # event: the team's data version, the previous event's hash, the event.
    assert len(queries) == 6, queries
    update = next(q for q in queries if q.startswith('UPDATE "initiatives_task"'))
    assert '"title"' in update and '"description"' not in update and '"state"' not in update
    print(f"QUERIES PATCH task: {len(queries)}")


@pytest.mark.parametrize(("role", "expected"), [("viewer", 403), ("outsider", 404)])
def test_patch_a_task_is_refused_before_the_task_is_locked(warm, clients, people, role, expected):
    task = services.task_create(
        initiative=Initiative.objects.by_key("PLAT-1").get(), actor=people["dri"], title="T"
    )
    status, queries = counted(clients[role], "patch", f"/api/v1/tasks/{task.pk}/", {"title": "X"})
    assert status == expected
    assert not [q for q in queries if 'FROM "initiatives_task"' in q and "FOR UPDATE" in q]
    assert not [q for q in queries if q.startswith("UPDATE") and "last_used_at" not in q]


def test_a_write_looks_up_webhook_subscriptions_once(
    warm, team, people, django_capture_on_commit_callbacks
):
    from initiatives.webhooks.models import WebhookDelivery
    from initiatives.webhooks.services import webhook_endpoint_create

    webhook_endpoint_create(
        team=team, actor=people["em"], url="http://127.0.0.1:9/", events=["status_update.posted"]
    )
    body = {"health": "on_track", "progress": "Moving"}
    with django_capture_on_commit_callbacks(execute=True):
        status, queries = counted(warm, "post", "/api/v1/initiatives/PLAT-1/updates/", body)
    assert status == 200
    lookups = [q for q in queries if 'FROM "shipshape_api_webhookendpoint"' in q]
    assert len(lookups) == 1, lookups
    assert WebhookDelivery.objects.filter(event_type="status_update.posted").count() == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "expected", "budget"),
    [
        # Reads the initiative (locked, with the caller's role) once, revises or creates the
        # update (a revision row when revising), sets the initiative's health, the audit
        # event (three), the webhook subscriptions, the notifications' outbox row.
        (
            "post",
            "/api/v1/initiatives/PLAT-1/updates/",
            {"health": "on_track", "progress": "Moving"},
            200,
            10,
        ),
        # A refused move: the initiative read once, locked, with the caller's role (by key, in
        # the service), the team's policy row (a linked key result may be asked for to leave
        # scoping), the gate's facts and its items.
        ("post", "/api/v1/initiatives/PLAT-1/transition/", {"to": "ready"}, 409, 4),
    ],
)
def test_write_budgets(warm, method, path, body, expected, budget):
    status, queries = counted(warm, method, path, body)
    assert status == expected
    assert len(queries) <= budget, "\n".join(q[:100] for q in queries)
    print(f"QUERIES {method} {path}: {len(queries)}", *[q[:90] for q in queries], sep="\n  ")
