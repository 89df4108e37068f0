"""The inbox, the header's bell, preferences and the unsubscribe link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from initiatives.collab import services as collab
from initiatives.notifications.models import Channel, Kind, Notification, Preference
from initiatives.notifications.services import unsubscribe_token

pytestmark = pytest.mark.django_db


def mention(initiative, people, after_commit, n: int = 1, who: str = "eng") -> list[int]:
    with after_commit():
        return [
            collab.comment_create(initiative=initiative, actor=people["dri"], body=f"@{who} {i}").pk
            for i in range(n)
        ]


def test_the_bell_shows_the_unread_count_without_a_query_of_its_own(
    client, initiative, people, after_commit
):
    mention(initiative, people, after_commit, 3)
    client.force_login(people["engineer"])
    html = client.get(reverse("team-list")).content.decode()
    assert 'data-unread="3"' in html and "Inbox, 3 unread" in html
    client.force_login(people["security"])
    assert "data-unread" not in client.get(reverse("team-list")).content.decode()


def test_the_inbox_groups_by_initiative_and_opening_lands_on_the_comment(
    client, initiative, people, after_commit
):
    [comment_id] = mention(initiative, people, after_commit)
    client.force_login(people["engineer"])
    html = client.get(reverse("inbox")).content.decode()
    assert initiative.key in html and "Dri mentioned you" in html
    note = Notification.objects.get(recipient=people["engineer"])
    response = client.get(reverse("inbox-open", args=[note.pk]))
    assert response["Location"] == f"{initiative.get_absolute_url()}#comment-{comment_id}"
    note.refresh_from_db()
    assert note.read_at is not None
    # Someone else's notification is not there for them.
    client.force_login(people["security"])
    assert client.get(reverse("inbox-open", args=[note.pk])).status_code == 404


def test_filters_and_mark_read(client, initiative, people, security_item, after_commit):
    mention(initiative, people, after_commit, 2, who="sec")
    with after_commit():
        collab.signoff_request_create(
            item=security_item, actor=people["dri"], reviewer=people["security"]
        )
    client.force_login(people["security"])
    requests = client.get(reverse("inbox") + "?filter=requests").content.decode()
    assert requests.count('class="row notification') == 1
    mentions = client.get(reverse("inbox") + "?filter=mentions").content.decode()
    assert mentions.count('class="row notification') == 2
    assert client.get(reverse("inbox") + "?filter=bogus").status_code == 200
    first = Notification.objects.filter(recipient=people["security"]).first()
    client.post(reverse("inbox-read"), {"ids": [first.pk, "x", "99999999"]})
    assert Notification.objects.filter(recipient=people["security"], read_at=None).count() == 2
    client.post(reverse("inbox-read"), {"all": "1"})
    assert not Notification.objects.filter(recipient=people["security"], read_at=None).exists()


@pytest.mark.parametrize("size", [3, 30])
def test_the_inbox_runs_a_fixed_number_of_queries(
    client, initiative, people, after_commit, size, django_assert_max_num_queries
):
    mention(initiative, people, after_commit, size)
    client.force_login(people["engineer"])
    # Session, user (with the unread count), the page of notifications.
    with django_assert_max_num_queries(3):
        response = client.get(reverse("inbox"))
    assert response.content.decode().count('class="row notification') == size


def test_preferences_page(client, people):
    client.force_login(people["engineer"])
    url = reverse("notification-preferences")
    assert client.get(url).status_code == 200
    data = {kind: Channel.BOTH for kind in Kind.values} | {Kind.FOLLOWING: Channel.OFF}
    assert client.post(url, data).status_code == 302
    assert Preference.objects.get(user=people["engineer"], kind=Kind.FOLLOWING).channel == "off"
    assert client.post(url, {**data, Kind.MENTION: "loud"}).status_code == 400


def test_the_unsubscribe_link_stops_one_kind_of_email_without_signing_in(client, people):
    token = unsubscribe_token(people["engineer"].pk, Kind.MENTION)
    url = reverse("notifications-unsubscribe", args=[token])
    assert b"Mentions of you" in client.get(url).content
    response = client.post(url)  # one click, no session, no CSRF token
    assert response.status_code == 200
    pref = Preference.objects.get(user=people["engineer"], kind=Kind.MENTION)
    assert pref.channel == Channel.IN_APP  # the inbox keeps them
    bad = reverse("notifications-unsubscribe", args=[token[:-2] + "xx"])
    assert client.get(bad).status_code == 404
    assert client.post(bad).status_code == 404
