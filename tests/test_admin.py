"""The Django admin: every model's pages load for staff, and writes go through services."""

import re

import pytest
from django.urls import reverse

from initiatives.models import ActivityEvent, Initiative
from tests.factories import UserFactory

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


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelists_load(admin_client, initiative, model):
    response = admin_client.get(reverse(f"admin:initiatives_{model}_changelist"))
    assert response.status_code == 200


def test_initiative_state_is_read_only_and_edits_are_audited(admin_client, initiative, people):
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="state"' not in html
    # The inlines' management forms, as the browser would send them back.
    hidden = dict(
        re.findall(
            r'<input type="hidden" name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"'
            r' value="([^"]*)"',
            html,
        )
    )
    response = admin_client.post(
        url,
        {
            **hidden,
            "title": "Renamed in admin",
            "summary": "",
            "dri": people["dri"].pk,
            "design_doc_url": "",
            "target_date": "",
            "security_risk": "",
            "state": "done",  # ignored: read-only
        },
    )
    assert response.status_code == 302
    stored = Initiative.objects.get(pk=initiative.pk)
    assert stored.title == "Renamed in admin" and stored.state == "discovery"
    event = ActivityEvent.objects.get(verb="initiative.updated")
    assert event.after == {"title": "Renamed in admin"}


def test_audit_log_cannot_be_changed_in_admin(admin_client, initiative):
    event = ActivityEvent.objects.first()
    assert admin_client.get(reverse("admin:initiatives_activityevent_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:initiatives_activityevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert ActivityEvent.objects.filter(pk=event.pk).exists()


def test_non_staff_are_sent_to_the_admin_login(client, people):
    client.force_login(people["em"])
    response = client.get(reverse("admin:initiatives_initiative_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url
