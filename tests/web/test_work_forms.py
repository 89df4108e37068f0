"""Checklist items, milestones, tasks and weekly updates through the web UI."""

import datetime as dt

from django.urls import reverse

from initiatives import services
from initiatives.models import (
    ChecklistItem,
    Evidence,
    Health,
    ItemStatus,
    MilestoneSlip,
    MilestoneState,
    StatusUpdate,
    Task,
    TaskState,
)
from tests.factories import make_milestone
from tests.web.conftest import advance, open_item


def test_tick_needing_a_link_shows_the_error_beside_the_field_and_keeps_input(
    client, people, initiative
):
    item = open_item(initiative, evidence=Evidence.URL, signoff_role="", rule="")
    client.force_login(people["dri"])
    response = client.post(
        reverse("checklist-item-tick", args=[item.pk]), {"evidence": "javascript:alert(1)"}
    )
    # Without JavaScript: back to the page's own URL at the item (a reload posts nothing).
    assert response.status_code == 303
    assert response.url == f"{initiative.get_absolute_url()}#item-{item.pk}"
    html = client.get(response.url).content.decode()
    assert "Enter a valid http(s) URL." in html
    assert 'value="javascript:alert(1)"' in html  # what was typed is kept (escaped, inert)
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    client.post(
        reverse("checklist-item-tick", args=[item.pk]), {"evidence": "https://docs.example.com/rfc"}
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.evidence_value == "https://docs.example.com/rfc"


def test_dri_cannot_sign_off_security_but_the_security_member_can(client, people, initiative):
    item = ChecklistItem.objects.filter(
        initiative=initiative, signoff_role="security", rule=""
    ).first()
    client.force_login(people["dri"])
    assert client.post(reverse("checklist-item-tick", args=[item.pk])).status_code == 403
    client.force_login(people["security"])
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert reverse("checklist-item-tick", args=[item.pk]) in page
    client.post(reverse("checklist-item-tick", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.decided_by == people["security"]


def test_waive_needs_a_reason_and_reopen_undoes_it(client, people, initiative):
    item = open_item(initiative, signoff_role="", rule="")
    client.force_login(people["dri"])
    url = reverse("checklist-item-waive", args=[item.pk])
    response = client.post(url, {"reason": "  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400  # htmx: the page at once, swapped in place
    assert "Say why this item does not apply." in response.content.decode()
    response = client.post(url, {"reason": "  "}, follow=True)
    assert response.redirect_chain == [(f"{initiative.get_absolute_url()}#item-{item.pk}", 303)]
    assert "Say why this item does not apply." in response.content.decode()
    # Shown once: a reload of the page shows it clean.
    assert "Say why" not in client.get(initiative.get_absolute_url()).content.decode()
    client.post(url, {"reason": "Internal tool"})
    item.refresh_from_db()
    assert item.status == ItemStatus.WAIVED
    assert "Internal tool" in client.get(initiative.get_absolute_url()).content.decode()
    client.post(reverse("checklist-item-reopen", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_milestone_date_change_after_start_asks_for_a_slip_reason(client, people, initiative):
    advance(initiative, people["em"], to_delivery=True)
    milestone = make_milestone(initiative, people["dri"])
    client.force_login(people["dri"])
    # Planned: no reason asked, the slip is still recorded.
    edit = reverse("milestone-edit", args=[milestone.pk])
    assert "slip_reason" not in client.get(edit).content.decode()
    client.post(reverse("milestone-transition", args=[milestone.pk]), {"to": "in_progress"})
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.IN_PROGRESS
    new_date = (milestone.due_date + dt.timedelta(days=7)).isoformat()
    response = client.post(edit, {"title": "Pilot", "due_date": new_date})
    assert response.status_code == 400
    assert response.context["form"].errors["slip_reason"]
    assert new_date in response.content.decode()
    client.post(edit, {"title": "Pilot", "due_date": new_date, "slip_reason": "Vendor late"})
    slip = MilestoneSlip.objects.get(milestone=milestone)
    assert slip.reason == "Vendor late"
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Slipped once (+7 days)" in page and "Vendor late" in page


def test_milestone_cannot_complete_with_open_tasks(client, people, initiative):
    advance(initiative, people["em"], to_delivery=True)
    milestone = make_milestone(initiative, people["dri"])
    services.task_create(initiative=initiative, actor=people["dri"], title="A", milestone=milestone)
    services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    client.force_login(people["dri"])
    response = client.post(
        reverse("milestone-transition", args=[milestone.pk]), {"to": "done"}, follow=True
    )
    assert "Close every task of the milestone first" in response.content.decode()


def test_tasks_are_created_and_moved_in_place(client, people, initiative):
    client.force_login(people["engineer"])
    response = client.post(
        reverse("task-create", args=[initiative.key]),
        {"title": "Write RFC", "state": "todo", "assignee": people["engineer"].pk},
    )
    assert response.status_code == 302 and response.url.endswith("#tasks")
    task = Task.objects.get(title="Write RFC")
    client.post(
        reverse("task-move", args=[task.pk]),
        {"state": TaskState.IN_REVIEW, "assignee": people["dri"].pk},
    )
    task.refresh_from_db()
    assert task.state == TaskState.IN_REVIEW and task.assignee == people["dri"]


def test_delivery_task_before_ready_is_refused_with_a_message(client, people, initiative):
    milestone = make_milestone(initiative, people["dri"])
    client.force_login(people["dri"])
    response = client.post(
        reverse("task-create", args=[initiative.key]),
        {"title": "Build it", "state": "todo", "milestone": milestone.pk},
    )
    assert response.status_code == 409
    assert "once the initiative is ready" in response.content.decode()
    assert 'value="Build it"' in response.content.decode()


def test_weekly_update_requires_risks_unless_on_track_and_is_shown(client, people, initiative):
    advance(initiative, people["dri"])
    client.force_login(people["dri"])
    url = reverse("status-update", args=[initiative.key])
    response = client.post(url, {"health": Health.AT_RISK, "progress": "Did *things*"})
    assert response.status_code == 400
    assert response.context["form"].errors["risks"]
    assert "Did *things*" in response.content.decode()
    client.post(
        url,
        {
            "health": Health.AT_RISK,
            "progress": "Did **things**",
            "risks": "Vendor",
            "next_week": "Ship",
        },
    )
    update = StatusUpdate.objects.get(initiative=initiative)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "<strong>things</strong>" in page and "health-yellow" in page
    # Revising this week is prefilled with this week's text.
    form = client.get(url).context["form"]
    assert form.initial["progress"] == update.progress and form.initial["risks"] == "Vendor"


def test_update_form_prefills_from_last_week(client, people, initiative):
    advance(initiative, people["dri"])
    services.status_update_post(
        initiative=initiative, actor=people["dri"], health=Health.ON_TRACK, next_week="Pilot"
    )
    StatusUpdate.objects.filter(initiative=initiative).update(week="2000-W01")
    client.force_login(people["dri"])
    form = client.get(reverse("status-update", args=[initiative.key])).context["form"]
    assert form.initial["health"] == Health.ON_TRACK
    assert form.initial["progress"] == "Pilot"  # last week's plan is this week's starting point


def test_my_work_lists_my_initiatives_signoffs_tasks_and_milestones(client, people, initiative):
    advance(initiative, people["em"], to_delivery=True)
    make_milestone(initiative, people["dri"], days=3, title="Soon")
    services.task_create(
        initiative=initiative, actor=people["dri"], title="Mine", assignee=people["dri"]
    )
    client.force_login(people["dri"])
    html = client.get(reverse("my-work")).content.decode()
    assert initiative.title in html and "Update due this week" in html
    assert "Mine" in html and "Soon" in html
    client.force_login(people["security"])
    html = client.get(reverse("my-work")).content.decode()
    assert "Security approval" in html or "security" in html.lower()
    assert "Waiting for my sign-off" in html


def test_team_board_filters_and_searches(client, people, team, initiative):
    other = services.initiative_create(team=team, actor=people["em"], title="Zebra migration")
    client.force_login(people["dri"])
    url = reverse("team-detail", args=[team.key])
    html = client.get(url, {"q": "zebra"}).content.decode()
    assert "Zebra migration" in html and initiative.title not in html
    html = client.get(url, {"q": initiative.key}).content.decode()
    assert initiative.title in html and "Zebra migration" not in html
    html = client.get(url, {"dri": people["em"].pk, "view": "table"}).content.decode()
    assert other.key in html and initiative.title not in html
    html = client.get(url, {"state": "scoping"}).content.decode()
    assert "No initiative matches" not in html  # board view shows empty columns instead
    rows = client.get(url, {"view": "table", "sort": "-title"}).context["rows"]
    assert [r.title for r in rows] == sorted([r.title for r in rows], reverse=True)
