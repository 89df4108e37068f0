"""Issue 13, point 5: a cached read is never stale after a write. Cached pages and API reads
are keyed by the team's data version, which ``services.common.record`` moves on inside every
writing transaction; here every page and API read is compared, after each kind of write,
with the same read built afresh (cache emptied)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from initiatives import services
from initiatives.admin import InitiativeAdmin
from initiatives.models import ChecklistItem, Initiative, Milestone, State, Team
from tests.audit.walk import ready_initiative, risk_review
from tests.factories import member

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)
# What differs between two renders of the same data: CSRF tokens, and the chart ids the
# dashboard numbers per render.
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
CHART_ID = re.compile(rb"chart-\d+")


def pages(key: str) -> list[str]:
    return [
        "/",
        "/?section=signoffs",
        "/teams/PLAT/",
        "/teams/PLAT/?view=table",
        f"/i/{key}/",
        "/dashboard/",
        "/teams/PLAT/dashboard/",
    ]


def api_reads(key: str) -> list[str]:
    return [
        "/api/v1/initiatives/",
        f"/api/v1/initiatives/{key}/",
        f"/api/v1/initiatives/{key}/checklists/",
        f"/api/v1/initiatives/{key}/milestones/",
        f"/api/v1/initiatives/{key}/tasks/",
        f"/api/v1/initiatives/{key}/updates/",
        f"/api/v1/initiatives/{key}/activity/",
        "/api/v1/portfolio/?team=PLAT",
        "/api/v1/teams/",
    ]


def read_all(web: Client, api: APIClient, key: str) -> dict[str, object]:
    answers: dict[str, object] = {}
    for path in pages(key):
        response = web.get(path)
        assert response.status_code == 200, path
        answers[path] = CHART_ID.sub(b"chart", CSRF.sub(b"", response.content))
    for path in api_reads(key):
        response = api.get(path)
        assert response.status_code == 200, path
        answers[path] = json.dumps(response.json(), sort_keys=True)
    return answers


@pytest.fixture
def world(team, people):
    with time_machine.travel(NOW, tick=False):
        initiative = ready_initiative(team, people)
        milestone = services.milestone_create(
            initiative=initiative, actor=people["dri"], title="Pilot",
            due_date=dt.date(2026, 12, 20),
        )  # fmt: skip
        task = services.task_create(
            initiative=initiative, actor=people["dri"], title="Runner image", milestone=milestone
        )
    return initiative, milestone, task


def writes(initiative: Initiative, milestone: Milestone, task, people: dict, team: Team):
    """One write of each kind, by whoever may make it."""
    dri, em, security = people["dri"], people["em"], people["security"]
    dod = ChecklistItem.objects.filter(initiative=initiative, kind="done", signoff_role="")
    return {
        "initiative edited": lambda: services.initiative_update(
            initiative=initiative, actor=dri, changes={"title": "Runners, renamed"}
        ),
        "risk changed": lambda: services.initiative_update(
            initiative=initiative, actor=em, changes={"security_risk": "medium"}, reason="Cut"
        ),
        "transition": lambda: services.initiative_transition(
            initiative=initiative, to=State.IN_DELIVERY, actor=em, override=True, reason="Go"
        ),
        "item ticked": lambda: services.checklist_item_tick(
            item=risk_review(initiative), actor=security
        ),
        "item waived": lambda: services.checklist_item_waive(
            item=dod.first(), actor=em, reason="n/a"
        ),
        "item reopened": lambda: services.checklist_item_reopen(item=dod.first(), actor=em),
        "milestone moved": lambda: services.milestone_update(
            milestone=milestone, actor=dri, changes={"title": "Pilot, renamed"}
        ),
        "task created": lambda: services.task_create(
            initiative=initiative, actor=dri, title="Docs"
        ),
        "task closed": lambda: services.task_update(
            task=task, actor=dri, changes={"state": "done"}
        ),
        "update posted": lambda: services.status_update_post(
            initiative=initiative, actor=dri, health="at_risk", risks="Vendor late", now=NOW
        ),
        "stakeholder added": lambda: services.initiative_person_add(
            initiative=initiative, actor=dri, user=people["pm"], kind="stakeholder"
        ),
        "member joined": lambda: services.membership_set(
            team=team, actor=em, user=member(Team.objects.get(key="DATA")), role="engineer"
        ),
        "team renamed": lambda: services.team_update(
            team=team, actor=em, changes={"name": "Platform!"}
        ),
    }


def test_every_page_and_api_read_is_fresh_after_each_kind_of_write(world, people, team):
    initiative, milestone, task = world
    web, api = Client(), APIClient()
    web.force_login(people["em"])
    api.force_authenticate(people["em"])
    with time_machine.travel(NOW, tick=False):
        for name, write in writes(initiative, milestone, task, people, team).items():
            before = read_all(web, api, initiative.key)  # cached from here on
            version = Team.objects.get(pk=team.pk).data_version
            write()
            assert Team.objects.get(pk=team.pk).data_version == version + 1, name
            served = read_all(web, api, initiative.key)
            cache.clear()
            fresh = read_all(web, api, initiative.key)
            stale = [path for path in fresh if served[path] != fresh[path]]
            assert stale == [], f"after {name}: stale {stale}"
            assert served != before, f"{name} changed nothing any read shows"


def test_an_admin_edit_moves_the_data_version_on(world, people, team, rf):
    initiative = world[0]
    version = Team.objects.get(pk=team.pk).data_version
    superuser = type(people["em"]).objects.create_superuser("root", "root@example.com", "pw")
    request = rf.post("/admin/")
    request.user = superuser
    form = type("F", (), {"changed_data": ["title"], "cleaned_data": {"title": "From the admin"}})
    initiative.title = "From the admin"
    from django.contrib import admin

    InitiativeAdmin(Initiative, admin.site).save_model(request, initiative, form, change=True)
    assert Team.objects.get(pk=team.pk).data_version == version + 1
    assert Initiative.objects.get(pk=initiative.pk).title == "From the admin"
