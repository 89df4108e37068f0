"""List endpoints run a fixed number of queries whatever the page size and the data size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives import services
from initiatives.models import Initiative, State
from initiatives.webhooks.models import WebhookDelivery
from initiatives.webhooks.services import webhook_endpoint_create
from tests.factories import make_initiative


def build(team, people, n: int) -> None:
    dri, em = people["dri"], people["em"]
    for i in range(n):
        initiative = make_initiative(team, dri, title=f"Initiative {i}", stakeholders=[em])
        milestone = services.milestone_create(
            initiative=initiative,
            actor=dri,
            title=f"M{i}",
            due_date=dt.date.today() + dt.timedelta(days=10 + i),
        )
        services.milestone_update(
            milestone=milestone,
            actor=dri,
            changes={"due_date": dt.date.today() + dt.timedelta(days=40 + i)},
        )
        services.task_create(initiative=initiative, actor=dri, title=f"T{i}", assignee=dri)
        services.initiative_transition(initiative=initiative, actor=dri, to=State.SCOPING)
        services.status_update_post(
            initiative=initiative, actor=dri, health="at_risk", risks="Vendor"
        )


LISTS = [
    "/api/v1/initiatives/?page_size={size}",
    "/api/v1/initiatives/?page_size={size}&state=scoping&ordering=-updated_at",
    "/api/v1/teams/?page_size={size}",
    "/api/v1/updates/?team=PLAT&page_size={size}",
    "/api/v1/initiatives/PLAT-1/milestones/?page_size={size}",
    "/api/v1/initiatives/PLAT-1/tasks/?page_size={size}",
    "/api/v1/initiatives/PLAT-1/updates/?page_size={size}",
    "/api/v1/initiatives/PLAT-1/activity/?page_size={size}",
    "/api/v1/initiatives/PLAT-1/checklists/",
    "/api/v1/webhooks/{endpoint}/deliveries/?page_size={size}",
]
BUDGET = 7  # token, count, rows, batched relations, ... see MEASURED below


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_does_not_grow(clients, team, people, path, django_assert_max_num_queries):
    client = clients["em"]
    endpoint = webhook_endpoint_create(
        team=team, actor=people["em"], url="http://127.0.0.1:9/", events=["milestone.slipped"]
    )
    build(team, people, 2)
    WebhookDelivery.objects.create(endpoint=endpoint, event_type="milestone.slipped", payload={})
    client.get("/api/v1/teams/")  # records the token's first use (one UPDATE) beforehand
    small = count_queries(client, path.format(size=1, endpoint=endpoint.pk))
    build(team, people, 10)
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event_type="milestone.slipped", payload={})
        for _ in range(12)
    )
    with django_assert_max_num_queries(BUDGET):
        large = count_queries(client, path.format(size=50, endpoint=endpoint.pk))
    assert large == small
    print(f"QUERIES {path}: {large}")


# Every request, writes included, stays within 15 queries, also in the minute where the token's
# use is recorded (one UPDATE); reads of one object stay well below. (A write's audit event
# costs three: the team's data version, the previous event's hash, the row itself; a write
# that may notify someone one more: its outbox row, initiatives.notifications.)
REQUEST_BUDGET = 15


@pytest.fixture
def fresh_token(clients, people):
    """The DRI's token client, its use not recorded yet this minute before every request."""
    from initiatives.tokens.models import PersonalAccessToken

    client = clients["dri"]

    def reset():
        PersonalAccessToken.objects.filter(user=people["dri"]).update(last_used_at=None)
        return client

    return reset


def test_one_object_reads_stay_within_budget(
    fresh_token, team, people, django_assert_max_num_queries
):
    build(team, people, 3)
    for path, budget in [
        # +1 for the initiative's key_results (goals).
        ("/api/v1/initiatives/PLAT-1/", 9),
        ("/api/v1/initiatives/PLAT-1/checklists/", 8),
        ("/api/v1/initiatives/PLAT-1/tasks/", 8),
    ]:
        client = fresh_token()
        with django_assert_max_num_queries(budget):
            assert client.get(path).status_code == 200


def test_writes_stay_within_budget(fresh_token, team, people, django_assert_max_num_queries):
    build(team, people, 3)
    task_id = services.task_create(
        initiative=Initiative.objects.by_key("PLAT-1").get(), actor=people["dri"], title="T"
    ).pk
    update = {"health": "at_risk", "risks": "Vendor late", "progress": "Some"}
    calls = [
        ("patch", f"/api/v1/tasks/{task_id}/", {"title": "Renamed"}, 200),
        # Revises this week's update (its revision row is one more insert).
        ("post", "/api/v1/initiatives/PLAT-1/updates/", update, 200),
        ("post", "/api/v1/initiatives/PLAT-1/transition/", {"to": "ready"}, 409),
    ]
    for method, path, body, expected in calls:
        client = fresh_token()
        with django_assert_max_num_queries(REQUEST_BUDGET):
            response = getattr(client, method)(path, body, format="json")
        assert response.status_code == expected, response.content
