"""List endpoints run a fixed number of queries whatever the page size and the data size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives import services
from initiatives.api.models import WebhookDelivery
from initiatives.api.webhooks import webhook_endpoint_create
from initiatives.models import State

from ..factories import make_initiative


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
