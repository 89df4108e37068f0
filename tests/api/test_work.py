"""Contract tests: milestones, tasks, weekly updates, the activity log."""

from __future__ import annotations

import datetime as dt

import pytest

from initiatives import services
from initiatives.models import Milestone, MilestoneState, State, StatusUpdate, Task
from tests.factories import make_milestone

ROLES = ["dri", "engineer", "em", "pm", "security", "legal", "viewer", "outsider"]
SOON = str(dt.date.today() + dt.timedelta(days=20))


def url(initiative, suffix: str = "") -> str:
    return f"/api/v1/initiatives/{initiative.key}/{suffix}"


def in_delivery(initiative):
    em = initiative.team.memberships.get(role="em").user
    for to in (State.SCOPING, State.READY):
        initiative = services.initiative_transition(
            initiative=initiative, actor=em, to=to, override=to == State.READY, reason="test"
        )
    return services.initiative_transition(initiative=initiative, actor=em, to=State.IN_DELIVERY)


# --- Milestones --------------------------------------------------------------------------------

MILESTONE_EXPECTED = {
    "dri": 201,
    "em": 201,
    "pm": 201,
    "engineer": 403,
    "security": 403,
    "legal": 403,
    "viewer": 403,
    "outsider": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_milestone_create_by_role(clients, initiative, role):
    response = clients[role].post(url(initiative, "milestones/"), {"title": "GA", "due_date": SOON})
    assert response.status_code == MILESTONE_EXPECTED[role]
    assert Milestone.objects.exists() == (response.status_code == 201)


def test_milestone_create_needs_a_date(clients, initiative):
    response = clients["dri"].post(url(initiative, "milestones/"), {"title": "GA"})
    assert response.status_code == 400 and "due_date" in response.json()["fields"]


def test_milestone_list_and_detail(clients, initiative):
    milestone = make_milestone(initiative, initiative.dri)
    listed = clients["viewer"].get(url(initiative, "milestones/")).json()["results"]
    assert [m["id"] for m in listed] == [milestone.pk]
    response = clients["viewer"].get(f"/api/v1/milestones/{milestone.pk}/")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert response.json()["initiative"] == initiative.key
    assert clients["outsider"].get(f"/api/v1/milestones/{milestone.pk}/").status_code == 404


def test_moving_a_started_milestone_needs_a_slip_reason(clients, initiative):
    initiative = in_delivery(initiative)
    milestone = make_milestone(initiative, initiative.dri)
    path = f"/api/v1/milestones/{milestone.pk}/"
    started = clients["dri"].post(f"{path}transition/", {"to": "in_progress"})
    assert started.status_code == 200 and started.json()["state"] == "in_progress"
    later = str(dt.date.today() + dt.timedelta(days=60))
    refused = clients["dri"].patch(path, {"due_date": later})
    assert refused.status_code == 400 and refused.json()["code"] == "slip_reason_required"
    slipped = clients["dri"].patch(path, {"due_date": later, "slip_reason": "Vendor delay"})
    assert slipped.status_code == 200
    assert slipped.json()["slips"][0]["reason"] == "Vendor delay"


def test_milestone_patch_with_stale_if_match_is_412(clients, initiative):
    milestone = make_milestone(initiative, initiative.dri)
    response = clients["dri"].patch(
        f"/api/v1/milestones/{milestone.pk}/", {"title": "Beta"}, HTTP_IF_MATCH='"5"'
    )
    assert response.status_code == 412
    milestone.refresh_from_db()
    assert milestone.title == "Pilot"


def test_milestone_transitions_refuse_what_the_domain_refuses(clients, initiative):
    milestone = make_milestone(initiative, initiative.dri)
    path = f"/api/v1/milestones/{milestone.pk}/transition/"
    not_delivering = clients["dri"].post(path, {"to": "in_progress"})
    assert not_delivering.status_code == 409
    assert not_delivering.json()["code"] == "initiative_not_in_delivery"
    assert clients["dri"].post(path, {"to": "done"}).status_code == 400
    assert clients["viewer"].post(path, {"to": "cancelled"}).status_code == 403
    assert clients["outsider"].post(path, {"to": "cancelled"}).status_code == 404


def test_completing_a_milestone_with_open_tasks_is_409(clients, initiative):
    initiative = in_delivery(initiative)
    milestone = make_milestone(initiative, initiative.dri)
    services.task_create(
        initiative=initiative, actor=initiative.dri, title="x", milestone=milestone
    )
    path = f"/api/v1/milestones/{milestone.pk}/transition/"
    assert clients["dri"].post(path, {"to": "in_progress"}).status_code == 200
    response = clients["dri"].post(path, {"to": "done"})
    assert response.status_code == 409 and response.json()["code"] == "open_tasks"
    assert Milestone.objects.get().state == MilestoneState.IN_PROGRESS


# --- Tasks -------------------------------------------------------------------------------------

TASK_EXPECTED = {role: 201 for role in ROLES} | {"viewer": 403, "outsider": 404}


@pytest.mark.parametrize("role", ROLES)
def test_task_create_by_role(clients, initiative, role):
    response = clients[role].post(url(initiative, "tasks/"), {"title": "Write the RFC"})
    assert response.status_code == TASK_EXPECTED[role]


def test_delivery_tasks_wait_for_a_ready_initiative(clients, initiative):
    milestone = make_milestone(initiative, initiative.dri)
    response = clients["dri"].post(
        url(initiative, "tasks/"), {"title": "Build", "milestone": milestone.pk}
    )
    assert response.status_code == 409 and response.json()["code"] == "initiative_not_ready"
    assert not Task.objects.exists()


def test_task_list_filters_detail_and_patch(clients, initiative, people):
    task = services.task_create(initiative=initiative, actor=initiative.dri, title="Spike")
    services.task_create(
        initiative=initiative, actor=initiative.dri, title="Done one", state="done"
    )
    listed = clients["viewer"].get(url(initiative, "tasks/?state=todo")).json()["results"]
    assert [t["title"] for t in listed] == ["Spike"]
    path = f"/api/v1/tasks/{task.pk}/"
    etag = clients["engineer"].get(path)["ETag"]
    moved = clients["engineer"].patch(
        path, {"state": "in_progress", "assignee": "eng"}, HTTP_IF_MATCH=etag
    )
    assert moved.status_code == 200
    assert moved.json()["assignee"]["username"] == "eng" and moved.json()["version"] == 2
    stale = clients["dri"].patch(path, {"state": "done"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Task.objects.get(pk=task.pk).state == "in_progress"
    assert clients["viewer"].patch(path, {"state": "done"}).status_code == 403
    assert clients["outsider"].get(path).status_code == 404
    bad = clients["dri"].patch(path, {"assignee": "viewer"})
    assert bad.status_code == 400 and "assignee" in bad.json()["fields"]
    assert clients["dri"].get(url(initiative, "tasks/?milestone=0")).status_code == 400


# --- Weekly updates ----------------------------------------------------------------------------

UPDATE_EXPECTED = {role: 403 for role in ROLES} | {"dri": 201, "em": 201, "outsider": 404}


@pytest.mark.parametrize("role", ROLES)
def test_post_update_by_role(clients, initiative, role):
    response = clients[role].post(
        url(initiative, "updates/"), {"health": "on_track", "progress": "Pilot running"}
    )
    assert response.status_code == UPDATE_EXPECTED[role]


def test_update_needs_risks_unless_on_track_and_revises(clients, initiative):
    path = url(initiative, "updates/")
    refused = clients["dri"].post(path, {"health": "at_risk"})
    assert refused.status_code == 400 and "risks" in refused.json()["fields"]
    first = clients["dri"].post(path, {"health": "at_risk", "risks": "Vendor"})
    assert first.status_code == 201 and first.json()["revision"] == 1
    again = clients["dri"].post(path, {"health": "on_track"})
    assert again.status_code == 200 and again.json()["revision"] == 2
    listed = clients["viewer"].get(path).json()["results"]
    assert [u["health"] for u in listed] == ["on_track"]
    bad_week = clients["dri"].post(path, {"health": "on_track", "week": "2001-W01"})
    assert bad_week.status_code == 400 and "week" in bad_week.json()["fields"]


def test_updates_of_a_team_for_a_week(clients, initiative, team):
    update = services.status_update_post(
        initiative=initiative, actor=initiative.dri, health="on_track", progress="ok"
    )
    week = update.week
    response = clients["viewer"].get(f"/api/v1/updates/?team=PLAT&week={week}")
    assert [u["initiative"] for u in response.json()["results"]] == [initiative.key]
    assert clients["viewer"].get("/api/v1/updates/?team=PLAT&week=2001-W01").json()["count"] == 0
    assert clients["outsider"].get(f"/api/v1/updates/?week={week}").json()["count"] == 0
    bad = clients["viewer"].get("/api/v1/updates/?week=last")
    assert bad.status_code == 400 and "week" in bad.json()["fields"]
    assert StatusUpdate.objects.count() == 1


# --- Activity ----------------------------------------------------------------------------------


def test_activity_is_newest_first_with_a_cursor(clients, initiative):
    for n in range(4):
        services.task_create(initiative=initiative, actor=initiative.dri, title=f"T{n}")
    first = clients["viewer"].get(url(initiative, "activity/?page_size=3")).json()
    assert first["results"][0]["verb"] == "task.created"
    assert "T3" in first["results"][0]["summary"]
    second = clients["viewer"].get(first["next"]).json()
    seen = [e["id"] for e in first["results"] + second["results"]]
    assert seen == sorted(seen, reverse=True) and len(seen) == 5
    assert second["next"] is None
    assert clients["outsider"].get(url(initiative, "activity/")).status_code == 404
    bad = clients["viewer"].get(url(initiative, "activity/?cursor=zzz"))
    assert bad.status_code == 404 and bad.json()["code"] == "not_found"
