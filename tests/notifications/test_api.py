"""The notification endpoints: the caller's own notifications and preferences only."""

from __future__ import annotations

import pytest

from initiatives.collab import services as collab
from initiatives.notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db


def mention(initiative, people, after_commit, n: int = 1, who: str = "eng") -> None:
    with after_commit():
        for i in range(n):
            collab.comment_create(initiative=initiative, actor=people["dri"], body=f"@{who} {i}")


def test_the_list_shows_the_callers_notifications_only(clients, initiative, people, after_commit):
    mention(initiative, people, after_commit, 2)
    mention(initiative, people, after_commit, 1, who="sec")
    body = clients["engineer"].get("/api/v1/notifications/").json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["kind"] == "mention" and first["read"] is False
    assert first["url"].endswith(f"/i/{initiative.key}/#comment-{first['url'].split('-')[-1]}")
    assert clients["outsider"].get("/api/v1/notifications/").json()["count"] == 0


def test_unread_filter_and_marking_read(clients, initiative, people, after_commit):
    mention(initiative, people, after_commit, 3)
    client = clients["engineer"]
    ids = [n["id"] for n in client.get("/api/v1/notifications/?unread=1").json()["results"]]
    assert len(ids) == 3
    marked = client.post("/api/v1/notifications/read/", {"ids": ids[:1]}, format="json").json()
    assert marked == {"marked": 1, "unread": 2}
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 2
    # Someone else's ids are ignored, as if they did not exist.
    other = clients["security"].post("/api/v1/notifications/read/", {"ids": ids}, format="json")
    assert other.json() == {"marked": 0, "unread": 0}
    # Neither ids nor all: nothing to mark.
    none = client.post("/api/v1/notifications/read/", {}, format="json")
    assert none.json() == {"marked": 0, "unread": 2}
    assert client.post("/api/v1/notifications/read/", {"all": True}, format="json").json() == {
        "marked": 2,
        "unread": 0,
    }


@pytest.mark.parametrize(
    "body", [{"ids": "1"}, {"ids": [0]}, {"ids": ["x"]}, {"all": "maybe"}, {"every": True}]
)
def test_bad_mark_read_input_is_a_400(clients, body):
    response = clients["engineer"].post("/api/v1/notifications/read/", body, format="json")
    assert response.status_code == 400, response.content


def test_bad_list_filters_are_a_400(clients):
    assert clients["engineer"].get("/api/v1/notifications/?unread=perhaps").status_code == 400
    assert clients["engineer"].get("/api/v1/notifications/?kind=gossip").status_code == 400


def test_preferences_read_and_change(clients, people):
    client = clients["engineer"]
    url = "/api/v1/me/notification-preferences/"
    assert client.get(url).json() == {
        "mention": "both",
        "reply": "both",
        "signoff": "both",
        "assigned": "both",
        "following": "in_app",
    }
    changed = client.patch(url, {"following": "off", "mention": "email"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["following"] == "off" and changed.json()["mention"] == "email"
    assert client.patch(url, {"following": "loud"}, format="json").status_code == 400
    assert client.patch(url, {"gossip": "off"}, format="json").status_code == 400
    assert Preference.objects.filter(user=people["engineer"]).count() == 2


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    clients, initiative, people, after_commit, size, django_assert_max_num_queries
):
    mention(initiative, people, after_commit, size)
    assert Notification.objects.filter(recipient=people["engineer"]).count() == size
    client = clients["engineer"]
    # Token lookup (and its use), the page and its count.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/notifications/")
    assert response.json()["count"] == size
