"""Who reaches which page: anonymous users sign in first, other teams get 404, viewers read
but cannot change anything (no buttons, 403 on POST, nothing written)."""

import pytest
from django.urls import reverse

from initiatives.models import ActivityEvent

READ_PAGES = {"my-work", "team-list", "team-detail", "initiative-detail", "initiative-people"}
TEAM_FREE_PAGES = {"my-work", "team-list"}


def test_anonymous_is_sent_to_login_from_every_page(client, page_urls, post_actions):
    for name, url in page_urls.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name
    for name, (url, data) in post_actions.items():
        response = client.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response.url, name


def test_member_of_another_team_gets_404(client, people, page_urls, post_actions):
    client.force_login(people["outsider"])
    for name, url in page_urls.items():
        expected = 200 if name in TEAM_FREE_PAGES else 404
        assert client.get(url).status_code == expected, name
    before = ActivityEvent.objects.count()
    for name, (url, data) in post_actions.items():
        assert client.post(url, data).status_code == 404, name
    assert ActivityEvent.objects.count() == before


def test_viewer_reads_pages_but_gets_no_forms(client, people, page_urls):
    client.force_login(people["viewer"])
    for name, url in page_urls.items():
        expected = 200 if name in READ_PAGES else 403
        assert client.get(url).status_code == expected, name


def test_viewer_sees_no_action_buttons(client, people, initiative, page_urls):
    client.force_login(people["viewer"])
    html = client.get(page_urls["initiative-detail"]).content.decode()
    assert initiative.title in html
    for action in ("/move/", "/tick/", "/waive/", "/reopen/", "/update/", "/edit/", "tasks/new"):
        assert action not in html, action
    board = client.get(page_urls["team-detail"]).content.decode()
    assert "New initiative" not in board


@pytest.mark.parametrize(
    "action",
    [
        "initiative-create",
        "initiative-edit",
        "initiative-transition",
        "initiative-people",
        "initiative-person-remove",
        "status-update",
        "milestone-create",
        "milestone-edit",
        "milestone-transition",
        "task-create",
        "task-edit",
        "task-move",
        "checklist-item-tick",
        "checklist-item-waive",
        "checklist-item-reopen",
    ],
)
def test_viewer_posting_anyway_gets_403_and_changes_nothing(client, people, post_actions, action):
    client.force_login(people["viewer"])
    url, data = post_actions[action]
    before = ActivityEvent.objects.count()
    assert client.post(url, data).status_code == 403
    assert ActivityEvent.objects.count() == before


def test_engineer_who_is_not_dri_cannot_edit_or_move(client, people, initiative, post_actions):
    client.force_login(people["engineer"])
    assert client.get(reverse("initiative-edit", args=[initiative.key])).status_code == 403
    url, data = post_actions["initiative-transition"]
    assert client.post(url, data).status_code == 403
    initiative.refresh_from_db()
    assert initiative.state == "discovery"


def test_login_logout_and_password_change_pages(client, people):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "dri", "password": "pw-for-tests-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert b"My work" in response.content
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-for-tests-1",
            "new_password1": "a-new-long-password-9",
            "new_password2": "a-new-long-password-9",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("password_change_done")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_staff_sees_admin_link_others_do_not(client, people):
    client.force_login(people["dri"])
    assert b'href="/admin/"' not in client.get("/").content
    people["dri"].is_staff = True
    people["dri"].save()
    assert b'href="/admin/"' in client.get("/").content
