"""The Django admin: every page loads for staff, every write goes through a service (audited,
so cached pages move on; stored roll-ups kept) and what no service does is refused."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import NoReverseMatch, reverse

from initiatives import services
from initiatives.models import (
    ActivityEvent,
    ChecklistSection,
    ChecklistTemplate,
    Initiative,
    Membership,
    Milestone,
    MilestoneSlip,
    Role,
    StatusUpdate,
    Task,
    Team,
    TemplateItem,
)
from initiatives.selectors.versions import newest_event_id
from tests.factories import UserFactory, make_milestone

MODELS = [
    "team",
    "checklisttemplate",
    "checklistsection",
    "initiative",
    "milestone",
    "task",
    "statusupdate",
    "activityevent",
]


class FormReader(HTMLParser):
    """The values a browser would send back from the admin's change form (inputs, selects,
    textareas), without the empty template rows of the inlines."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if "__prefix__" in name:
            return
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += (
                data.lstrip("\n") if not self.data[self._textarea] else data
            )


def change_form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    reader = FormReader()
    reader.feed(page.content.decode())
    reader.data.pop("csrfmiddlewaretoken", None)
    return reader.data


def submit(client, url, **changes):
    """Post the form at ``url`` as loaded, with ``changes``; returns the response followed."""
    data = {**change_form(client, url), **changes}
    return client.post(url, data, follow=True)


def page_messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def audited(team):
    """Checks that a write recorded its audit event in ``team`` and moved the team's data
    version on by as many steps: what moves cached pages on."""
    newest = ActivityEvent.objects.filter(team=team).order_by("-pk").first()
    before = {"event": newest.pk if newest else 0, "version": newest_event_id([team.pk])}

    def check(verb):
        newest = ActivityEvent.objects.filter(team=team).order_by("-pk").first()
        assert newest is not None and newest.pk > before["event"] and newest.verb == verb
        # One step per audit event written since (an admin save may call several services).
        written = ActivityEvent.objects.filter(team=team, pk__gt=before["event"]).count()
        version = newest_event_id([team.pk])
        assert version == before["version"] + written
        before.update(event=newest.pk, version=version)
        return newest

    return check


def url(model, action, *args):
    return reverse(f"admin:initiatives_{model}_{action}", args=args)


# --- Pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_changelists_load(admin_client, initiative, model):
    assert admin_client.get(url(model, "changelist")).status_code == 200


def test_change_pages_load(admin_client, initiative, people):
    milestone = make_milestone(initiative, people["dri"])
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Spike")
    update = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="on_track"
    )
    default = ChecklistTemplate.objects.get(team=None, kind="ready")
    for model, pk in [
        ("team", initiative.team_id),
        ("initiative", initiative.pk),
        ("milestone", milestone.pk),
        ("task", task.pk),
        ("statusupdate", update.pk),
        ("checklisttemplate", default.pk),
        ("checklistsection", default.sections.first().pk),
        ("activityevent", ActivityEvent.objects.first().pk),
    ]:
        assert admin_client.get(url(model, "change", pk)).status_code == 200, model


def test_non_staff_are_sent_to_the_admin_login(client, people):
    client.force_login(people["em"])
    response = client.get(url("initiative", "changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url


# --- Refusals --------------------------------------------------------------------------------


def test_domain_rows_are_never_hard_deleted(admin_client, initiative, people):
    milestone = make_milestone(initiative, people["dri"])
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Spike")
    update = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="on_track"
    )
    template = services.template_copy_default(
        team=initiative.team, kind="ready", actor=people["em"]
    )
    rows = [
        (Team, "team", initiative.team_id),
        (Initiative, "initiative", initiative.pk),
        (Milestone, "milestone", milestone.pk),
        (Task, "task", task.pk),
        (StatusUpdate, "statusupdate", update.pk),
        (ChecklistTemplate, "checklisttemplate", template.pk),
        (ChecklistSection, "checklistsection", template.sections.first().pk),
        (ActivityEvent, "activityevent", ActivityEvent.objects.first().pk),
    ]
    for model, name, pk in rows:
        response = admin_client.post(url(name, "delete", pk), {"post": "yes"})
        assert response.status_code == 403, name
        assert model.objects.filter(pk=pk).exists(), name
        # Nor through the changelist's bulk action, which is not offered.
        listing = admin_client.get(url(name, "changelist")).content.decode()
        assert 'value="delete_selected"' not in listing, name


@pytest.mark.parametrize(
    "model",
    ["initiative", "milestone", "task", "statusupdate", "activityevent", "checklistsection"],
)
def test_rows_made_by_their_own_flow_cannot_be_added_in_admin(admin_client, initiative, model):
    assert admin_client.get(url(model, "add")).status_code == 403


def test_status_updates_and_audit_log_are_read_only(admin_client, initiative, people):
    update = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="on_track"
    )
    response = admin_client.post(url("statusupdate", "change", update.pk), {"health": "off_track"})
    assert response.status_code == 403
    update.refresh_from_db()
    assert update.health == "on_track"
    event = ActivityEvent.objects.first()
    response = admin_client.post(url("activityevent", "change", event.pk), {"verb": "forged"})
    assert response.status_code == 403


def test_checklist_items_are_decided_only_in_the_web_ui_or_api(admin_client, initiative):
    # Shown read-only on the initiative's page; no admin page of their own.
    html = admin_client.get(url("initiative", "change", initiative.pk)).content.decode()
    assert 'name="checklist_items-0-status"' not in html
    with pytest.raises(NoReverseMatch):
        url("checklistitem", "change", 1)


def test_default_templates_are_read_only(admin_client, initiative):
    default = ChecklistTemplate.objects.get(team=None, kind="ready")
    section = default.sections.first()
    html = admin_client.get(url("checklisttemplate", "change", default.pk)).content.decode()
    assert 'name="sections-0-title"' not in html
    response = admin_client.post(url("checklistsection", "change", section.pk), {"title": "Hacked"})
    assert response.status_code == 403
    section.refresh_from_db()
    assert section.title != "Hacked"
    assert ChecklistTemplate.objects.get(pk=default.pk).version == 1


# --- Teams -----------------------------------------------------------------------------------


def test_team_created_in_admin_is_audited_with_its_members(admin_client, people):
    response = submit(
        admin_client,
        url("team", "add"),
        key="OPS",
        name="Operations",
        time_zone="Europe/Paris",
        reminder_weekday="3",
        reminder_time="10:00:00",
        digest_weekday="0",
        digest_time="09:00:00",
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": str(people["em"].pk),
            "memberships-0-role": Role.EM,
        },
    )
    assert response.status_code == 200
    team = Team.objects.get(key="OPS")
    assert team.time_zone == "Europe/Paris"
    assert Membership.objects.get(team=team, user=people["em"]).role == Role.EM
    verbs = list(ActivityEvent.objects.filter(team=team).order_by("pk").values_list("verb"))
    assert verbs == [("team.created",), ("team.member_added",)]


def test_team_schedule_edit_goes_through_the_service(admin_client, team, audited):
    submit(admin_client, url("team", "change", team.pk), digest_weekday="4")
    team.refresh_from_db()
    assert team.digest_weekday == 4
    event = audited("team.updated")
    assert event.after == {"digest_weekday": 4}


def test_membership_role_change_and_removal_are_audited(admin_client, team, people, audited):
    memberships = list(Membership.objects.filter(team=team).order_by("pk"))
    engineer = next(i for i, m in enumerate(memberships) if m.user == people["engineer"])
    viewer = next(i for i, m in enumerate(memberships) if m.user == people["viewer"])
    submit(
        admin_client,
        url("team", "change", team.pk),
        **{f"memberships-{engineer}-role": Role.PM, f"memberships-{viewer}-DELETE": "on"},
    )
    assert Membership.objects.get(team=team, user=people["engineer"]).role == Role.PM
    assert not Membership.objects.filter(team=team, user=people["viewer"]).exists()
    verbs = set(
        ActivityEvent.objects.filter(team=team, verb__startswith="team.").values_list(
            "verb", flat=True
        )
    )
    assert verbs == {"team.role_changed", "team.member_removed"}


def test_moving_a_membership_to_another_person_is_refused(admin_client, team, people):
    memberships = list(Membership.objects.filter(team=team).order_by("pk"))
    stranger = UserFactory(username="stranger")
    response = submit(
        admin_client,
        url("team", "change", team.pk),
        name="Renamed",
        **{"memberships-0-user": str(stranger.pk)},
    )
    assert any("Not saved" in m for m in page_messages(response))
    # The whole save is rolled back, the team's own fields included.
    team.refresh_from_db()
    assert team.name == "Platform"
    assert not Membership.objects.filter(user=stranger).exists()
    assert Membership.objects.filter(pk=memberships[0].pk, user=memberships[0].user).exists()


# --- Initiatives, milestones, tasks ----------------------------------------------------------


def test_initiative_edit_is_audited_and_state_stays_read_only(admin_client, initiative, audited):
    change = url("initiative", "change", initiative.pk)
    assert 'name="state"' not in admin_client.get(change).content.decode()
    response = submit(admin_client, change, title="Renamed in admin", state="done")
    assert response.status_code == 200
    stored = Initiative.objects.get(pk=initiative.pk)
    assert stored.title == "Renamed in admin" and stored.state == "discovery"
    assert audited("initiative.updated").after == {"title": "Renamed in admin"}


def test_initiative_edit_keeps_the_stored_gate_progress(admin_client, initiative, audited):
    before = Initiative.objects.get(pk=initiative.pk).dor_satisfied
    submit(
        admin_client,
        url("initiative", "change", initiative.pk),
        design_doc_url="https://docs.example.com/rfc",
    )
    # "RFC or written document" is met automatically once the link is set.
    assert Initiative.objects.get(pk=initiative.pk).dor_satisfied == before + 1
    audited("initiative.updated")


def test_a_refused_initiative_edit_is_shown_and_nothing_is_saved(admin_client, initiative, people):
    services.initiative_transition(
        initiative=initiative, to="cancelled", actor=people["dri"], reason="Deprioritised"
    )
    response = submit(admin_client, url("initiative", "change", initiative.pk), title="Zombie")
    assert any("cancelled initiative is read-only" in m for m in page_messages(response))
    assert not any("successfully" in m for m in page_messages(response))
    assert Initiative.objects.get(pk=initiative.pk).title != "Zombie"


def test_lowering_a_signed_risk_in_admin_needs_a_reason(admin_client, team, people, audited):
    from tests.audit.walk import ready_initiative

    initiative = ready_initiative(team, people, risk="high")
    change = url("initiative", "change", initiative.pk)
    response = submit(admin_client, change, security_risk="low")
    assert any("Say why the security risk is lower" in m for m in page_messages(response))
    assert Initiative.objects.get(pk=initiative.pk).security_risk == "high"
    submit(admin_client, change, security_risk="low", reason="Internal only now")
    assert Initiative.objects.get(pk=initiative.pk).security_risk == "low"
    assert audited("initiative.risk_changed").after["reason"] == "Internal only now"


def test_milestone_slip_needs_a_reason_once_started(admin_client, initiative, people, audited):
    milestone = make_milestone(initiative, people["dri"])
    Initiative.objects.filter(pk=initiative.pk).update(state="in_delivery")
    services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    change = url("milestone", "change", milestone.pk)
    later = (milestone.due_date + dt.timedelta(days=14)).isoformat()

    refused = submit(admin_client, change, due_date=later)
    assert any("say why its delivery date moves" in m for m in page_messages(refused))
    assert Milestone.objects.get(pk=milestone.pk).due_date == milestone.due_date

    submit(admin_client, change, due_date=later, slip_reason="Vendor late")
    slip = MilestoneSlip.objects.get(milestone=milestone)
    assert slip.reason == "Vendor late" and slip.new_date.isoformat() == later
    assert audited("milestone.slipped").after["slip_reason"] == "Vendor late"


def test_cancelling_a_milestone_in_admin_keeps_gate_progress(
    admin_client, initiative, people, audited
):
    milestone = make_milestone(initiative, people["dri"])
    planned = Initiative.objects.get(pk=initiative.pk).dor_satisfied
    submit(admin_client, url("milestone", "change", milestone.pk), state="cancelled")
    assert Milestone.objects.get(pk=milestone.pk).state == "cancelled"
    # "Milestones and plan" no longer holds: the stored DoR progress drops with it.
    assert Initiative.objects.get(pk=initiative.pk).dor_satisfied == planned - 1
    audited("milestone.transitioned")


def test_closing_a_task_in_admin_keeps_gate_progress(admin_client, initiative, people, audited):
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Spike")
    open_work = Initiative.objects.get(pk=initiative.pk).dod_satisfied
    submit(admin_client, url("task", "change", task.pk), state="wont_do")
    assert Task.objects.get(pk=task.pk).state == "wont_do"
    # "No more work required" holds again.
    assert Initiative.objects.get(pk=initiative.pk).dod_satisfied == open_work + 1
    audited("task.moved")


def test_assigning_a_task_to_a_viewer_is_refused(admin_client, initiative, people):
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Spike")
    response = submit(
        admin_client, url("task", "change", task.pk), assignee=str(people["viewer"].pk)
    )
    assert any("not a contributor" in m for m in page_messages(response))
    assert Task.objects.get(pk=task.pk).assignee is None


# --- Checklist templates ---------------------------------------------------------------------


def test_team_template_is_created_as_a_copy_of_the_default(admin_client, team, audited):
    submit(admin_client, url("checklisttemplate", "add"), team=str(team.pk), kind="done")
    template = ChecklistTemplate.objects.get(team=team, kind="done")
    default = ChecklistTemplate.objects.get(team=None, kind="done")
    assert list(template.sections.values_list("title", flat=True)) == list(
        default.sections.values_list("title", flat=True)
    )
    assert audited("template.created").target_id == template.pk


def test_template_without_a_team_cannot_be_added(admin_client, team):
    response = submit(admin_client, url("checklisttemplate", "add"), team="", kind="done")
    assert "Choose the team" in response.content.decode()
    assert ChecklistTemplate.objects.filter(kind="done").count() == 1


def test_section_edits_raise_the_version_and_are_audited(admin_client, team, people, audited):
    template = services.template_copy_default(team=team, kind="ready", actor=people["em"])
    audited("template.created")
    sections = list(template.sections.order_by("position", "pk"))
    change = url("checklisttemplate", "change", template.pk)
    submit(admin_client, change, **{"sections-0-title": "Why we do it"})
    assert ChecklistSection.objects.get(pk=sections[0].pk).title == "Why we do it"
    assert audited("template.edited").after == {"title": "Why we do it", "version": 2}

    submit(admin_client, change, **{"sections-2-DELETE": "on"})
    assert not ChecklistSection.objects.filter(pk=sections[2].pk).exists()
    audited("template.edited")
    assert ChecklistTemplate.objects.get(pk=template.pk).version == 3


def test_item_edits_raise_the_version_and_reach_only_new_initiatives(
    admin_client, team, people, initiative, audited
):
    template = services.template_copy_default(team=team, kind="ready", actor=people["em"])
    section = template.sections.get(title="Estimates")
    change = url("checklistsection", "change", section.pk)
    submit(
        admin_client,
        change,
        **{
            "items-0-text": "Cost projection (3 years)",
            "items-TOTAL_FORMS": "3",
            "items-2-text": "Budget owner named",
            "items-2-position": "9",
            "items-2-required": "on",
        },
    )
    texts = set(TemplateItem.objects.filter(section=section).values_list("text", flat=True))
    assert texts == {
        "Cost projection (3 years)",
        "Engineering capacity estimate",
        "Budget owner named",
    }
    assert ChecklistTemplate.objects.get(pk=template.pk).version == 3  # two edits
    edits = ActivityEvent.objects.filter(team=team, verb="template.edited").order_by("pk")
    assert [e.summary.split(" in ")[0] for e in edits] == [
        "Added item “Budget owner named”",
        "Edited item “Cost projection (3 years)”",
    ]
    audited("template.edited")
    later = services.initiative_create(team=team, actor=people["dri"], title="Later")
    assert later.checklist_items.filter(text="Budget owner named").exists()
    assert not initiative.checklist_items.filter(text="Budget owner named").exists()


def test_users_are_deactivated_not_deleted_in_the_admin(admin_client, people):
    from django.contrib.auth import get_user_model

    user = people["engineer"]
    changelist = "/admin/auth/user/"
    response = admin_client.get(changelist)
    assert "deactivate_users" in response.content.decode()
    assert "delete_selected" not in response.content.decode()
    assert admin_client.get(f"/admin/auth/user/{user.pk}/delete/").status_code == 403
    admin_client.post(changelist, {"action": "deactivate_users", "_selected_action": [user.pk]})
    assert get_user_model().objects.get(pk=user.pk).is_active is False
