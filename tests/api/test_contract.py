"""Every operation of the API answers as its schema says, on real data: each one is called
here at least once with objects that exist (the conftest checks every answer against the
published schema), and the schema itself declares every key of every answer as required."""

from __future__ import annotations

import datetime as dt

import pytest

from initiatives import services
from initiatives.models import ChecklistItem, State
from initiatives.webhooks.models import WebhookDelivery
from tests.api.openapi import spec
from tests.factories import make_initiative, make_milestone


def test_every_answer_component_requires_each_of_its_keys(db):
    """Answers always send every key (null when there is no value), so the schema must not
    call any of them optional; error extras are the one exception (sent by some codes)."""
    optional_by_design = {"Error": {"from", "to", "open_tasks"}}
    for name, component in spec()["components"]["schemas"].items():
        if name.endswith("Request") or "properties" not in component:
            continue
        optional = set(component["properties"]) - set(component.get("required", []))
        assert optional == optional_by_design.get(name, set()), name


@pytest.fixture
def world(team, people):
    """An initiative in delivery with a milestone, tasks, an update, a webhook and a delivery."""
    dri, em = people["dri"], people["em"]
    initiative = make_initiative(team, dri, stakeholders=[em], members=[people["engineer"]])
    for to in (State.SCOPING, State.READY):
        initiative = services.initiative_transition(
            initiative=initiative, actor=em, to=to, override=to == State.READY, reason="test"
        )
    initiative = services.initiative_transition(
        initiative=initiative, actor=em, to=State.IN_DELIVERY
    )
    milestone = make_milestone(initiative, dri)
    services.task_create(initiative=initiative, actor=dri, title="Spike", assignee=dri)
    services.task_create(initiative=initiative, actor=dri, title="Build", milestone=milestone)
    services.status_update_post(initiative=initiative, actor=dri, health="at_risk", risks="Late")
    return {"initiative": initiative, "milestone": milestone}


def test_every_operation_answers_as_documented(clients, people, world):
    dri, em = clients["dri"], clients["em"]
    key = world["initiative"].key
    milestone = world["milestone"]
    soon = str(dt.date.today() + dt.timedelta(days=40))
    calls = [
        (em, "get", "/api/v1/teams/", None, 200),
        (em, "get", "/api/v1/teams/PLAT/", None, 200),
        (em, "get", "/api/v1/initiatives/?state=in_delivery", None, 200),
        (em, "get", f"/api/v1/initiatives/{key}/", None, 200),
        (dri, "patch", f"/api/v1/initiatives/{key}/", {"summary": "Why"}, 200),
        (dri, "post", "/api/v1/initiatives/", {"team": "PLAT", "title": "Second"}, 201),
        (dri, "post", "/api/v1/initiatives/PLAT-2/transition/", {"to": "scoping"}, 200),
        (dri, "post", "/api/v1/initiatives/PLAT-2/transition/", {"to": "ready"}, 409),
        (dri, "post", "/api/v1/initiatives/PLAT-2/transition/", {"to": "done"}, 400),
        (em, "get", f"/api/v1/initiatives/{key}/checklists/", None, 200),
        (em, "get", f"/api/v1/initiatives/{key}/milestones/", None, 200),
        (
            dri,
            "post",
            f"/api/v1/initiatives/{key}/milestones/",
            {"title": "GA", "due_date": soon},
            201,
        ),
        (em, "get", f"/api/v1/milestones/{milestone.pk}/", None, 200),
        (dri, "post", f"/api/v1/milestones/{milestone.pk}/transition/", {"to": "in_progress"}, 200),
        (dri, "post", f"/api/v1/milestones/{milestone.pk}/transition/", {"to": "done"}, 409),
        (
            dri,
            "patch",
            f"/api/v1/milestones/{milestone.pk}/",
            {"due_date": soon, "slip_reason": "Vendor"},
            200,
        ),
        (em, "get", f"/api/v1/initiatives/{key}/tasks/", None, 200),
        (dri, "post", f"/api/v1/initiatives/{key}/tasks/", {"title": "Docs"}, 201),
        (em, "get", f"/api/v1/initiatives/{key}/updates/", None, 200),
        (dri, "post", f"/api/v1/initiatives/{key}/updates/", {"health": "on_track"}, 200),
        (em, "get", "/api/v1/updates/?team=PLAT", None, 200),
        (em, "get", f"/api/v1/initiatives/{key}/activity/", None, 200),
        (em, "get", "/api/v1/portfolio/", None, 200),
        (em, "get", "/api/v1/portfolio/?team=PLAT", None, 200),
        (em, "get", "/api/v1/portfolio/?team=DATA", None, 404),
        (dri, "get", "/api/v1/teams/PLAT/webhooks/", None, 403),
    ]
    for client, method, path, body, expected in calls:
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == expected, (method, path, response.content)

    task = em.get(f"/api/v1/initiatives/{key}/tasks/").json()["results"][0]
    assert em.get(f"/api/v1/tasks/{task['id']}/").status_code == 200
    assert dri.patch(f"/api/v1/tasks/{task['id']}/", {"state": "done"}).status_code == 200
    item = ChecklistItem.objects.filter(initiative=world["initiative"], kind="done").first()
    assert em.get(f"/api/v1/checklist-items/{item.pk}/").status_code == 200
    waived = em.patch(f"/api/v1/checklist-items/{item.pk}/", {"status": "waived", "reason": "n/a"})
    assert waived.status_code == 200
    stale = em.patch(f"/api/v1/checklist-items/{item.pk}/", {"status": "open"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412


def test_webhook_operations_answer_as_documented(clients, world):
    em = clients["em"]
    created = em.post(
        "/api/v1/teams/PLAT/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "events": ["milestone.slipped"], "secret": "s" * 20},
    )
    assert created.status_code == 201 and created.json()["secret"] == "s" * 20
    endpoint = created.json()["id"]
    assert em.get("/api/v1/teams/PLAT/webhooks/").status_code == 200
    assert em.get(f"/api/v1/webhooks/{endpoint}/").status_code == 200
    changed = em.patch(f"/api/v1/webhooks/{endpoint}/", {"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    delivery = WebhookDelivery.objects.create(
        endpoint_id=endpoint, event_type="milestone.slipped", payload={"id": "x"}
    )
    assert em.get(f"/api/v1/webhooks/{endpoint}/deliveries/").status_code == 200
    again = em.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 202 and again.json()["redelivery_of"] == delivery.pk
