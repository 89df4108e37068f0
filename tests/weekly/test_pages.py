"""The web preview, subscription settings, the EM's subscribers page and the signed
one-click unsubscribe link."""

import pytest
from django.urls import reverse

from initiatives.models import ActivityEvent, DigestSubscription, State
from initiatives.weekly.digest import unsubscribe_token
from initiatives.weekly.selectors import digest_recipients
from tests.factories import make_initiative
from tests.weekly.conftest import move, travel, utc

pytestmark = pytest.mark.django_db


def emails(team):
    return sorted(r.email for r in digest_recipients(team.pk))


def test_preview_is_for_team_members_only(client, team, people):
    with travel(utc("2026-11-18 10:00")):  # scoping during 2026-W47
        initiative = move(make_initiative(team, people["dri"]), people["em"], State.SCOPING)
    url = reverse("weekly-digest-preview", kwargs={"key": "PLAT"}) + "?week=2026-W47"
    assert client.get(url).status_code == 302  # login first
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(people["viewer"])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Weekly digest 2026-W47" in body and initiative.title in body
    assert "[PLAT] Weekly digest 2026-W47: 0 on track, 0 at risk, 0 off track" in body
    assert "email/_digest_content.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    ("week", "says"),
    [
        ("x", "written like 2026-W47"),
        ("2026-W99", "written like 2026-W47"),
        ("2026-W49", "has not ended yet"),  # the week of "now" (Tue 1 Dec 2026)
        ("2027-W02", "has not ended yet"),
        ("2025-W40", "PLAT did not exist yet in 2025-W40"),
    ],
)
def test_preview_of_a_week_that_is_not_one_has_not_ended_or_predates_the_team_is_refused(
    client, team, people, week, says
):
    client.force_login(people["engineer"])
    url = reverse("weekly-digest-preview", kwargs={"key": "PLAT"})
    with travel(utc("2026-12-01 12:00")):
        response = client.get(f"{url}?week={week}")
    assert response.status_code == 400
    body = response.content.decode()
    assert says in body
    assert "Subject:" not in body  # no digest of another week instead
    if "W47" not in says:  # (garbage may be refused before the page, by the request checks)
        assert "?week=2026-W48" in body  # a way to the last week that ended


def test_preview_defaults_to_the_last_week_that_ended(client, team, people):
    client.force_login(people["engineer"])
    with travel(utc("2026-12-01 12:00")):
        response = client.get(reverse("weekly-digest-preview", kwargs={"key": "PLAT"}))
    assert response.status_code == 200
    assert "Weekly digest 2026-W48" in response.content.decode()


def test_default_recipients_are_ems_and_pms(team, people):
    assert emails(team) == ["em@example.com", "pm@example.com"]


def test_member_subscribes_and_unsubscribes(client, team, people):
    url = reverse("weekly-subscription", kwargs={"key": "PLAT"})
    client.force_login(people["engineer"])
    assert "Subscribe" in client.get(url).content.decode()
    client.post(url, {"action": "subscribe"})
    assert "eng@example.com" in emails(team)
    client.force_login(people["em"])
    client.post(url, {"action": "unsubscribe"})
    assert "em@example.com" not in emails(team)
    assert ActivityEvent.objects.filter(verb="digest.unsubscribed").count() == 1


def test_only_the_em_manages_email_only_subscribers(client, team, people):
    url = reverse("weekly-subscribers", kwargs={"key": "PLAT"})
    client.force_login(people["pm"])
    assert client.get(url).status_code == 403
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(people["em"])
    assert client.post(url, {"email": "not-an-email"}).status_code == 400
    client.post(url, {"email": "Director@Example.org", "label": "Director"})
    assert "director@example.org" in emails(team)
    subscription = DigestSubscription.objects.get(email="director@example.org")
    assert "director@example.org" in client.get(url).content.decode()
    client.post(url, {"action": "remove", "id": subscription.pk})
    assert "director@example.org" not in emails(team)


def test_signed_unsubscribe_link_works_without_login(client, team, people):
    em = people["em"]
    url = reverse("weekly-unsubscribe", kwargs={"token": unsubscribe_token(team.pk, user_id=em.pk)})
    confirm = client.get(url)  # a link scanner's GET changes nothing
    assert confirm.status_code == 200 and "em@example.com" in emails(team)
    done = client.post(url)
    assert done.status_code == 200 and "unsubscribed" in done.content.decode()
    assert "em@example.com" not in emails(team)


def test_one_click_unsubscribe_of_an_email_only_subscriber(client, team, people):
    DigestSubscription.objects.create(team=team, email="list@example.org")
    token = unsubscribe_token(team.pk, email="list@example.org")
    url = reverse("weekly-unsubscribe", kwargs={"token": token})
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", without a CSRF token.
    client.handler.enforce_csrf_checks = True
    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "list@example.org" not in emails(team)


def test_tampered_unsubscribe_link_is_refused(client, team, people):
    token = unsubscribe_token(team.pk, user_id=people["em"].pk)
    forged = token.replace(token.split(":")[0], unsubscribe_token(team.pk, user_id=1).split(":")[0])
    for bad in (forged, "nonsense", token[:-2] + "xx"):
        url = reverse("weekly-unsubscribe", kwargs={"token": bad})
        assert client.post(url).status_code == 404
        assert client.get(url).status_code == 404
    assert "em@example.com" in emails(team)


def test_removing_a_subscriber_that_is_gone_is_a_404(client, team, people):
    """Domain refusals reach the page through ``web.views.base.attempt``: NotFound is a 404."""
    client.force_login(people["em"])
    url = reverse("weekly-subscribers", kwargs={"key": "PLAT"})
    assert client.post(url, {"action": "remove", "id": 999999}).status_code == 404
    assert client.post(url, {"action": "remove", "id": "x"}).status_code == 404


def test_a_bad_address_is_shown_on_its_field(client, team, people):
    client.force_login(people["em"])
    url = reverse("weekly-subscribers", kwargs={"key": "PLAT"})
    response = client.post(url, {"email": "not-an-email", "label": "Board"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "field has-error" in body and "Enter a valid email address." in body
    assert 'value="not-an-email"' in body and 'value="Board"' in body


def test_a_team_too_new_for_a_digest_is_told_so(client, people):
    from initiatives.models import Team

    Team.objects.filter(key="PLAT").update(created_at=utc("2026-11-30 09:00"))  # this week
    client.force_login(people["engineer"])
    with travel(utc("2026-12-01 12:00")):
        response = client.get(reverse("weekly-digest-preview", kwargs={"key": "PLAT"}))
    assert response.status_code == 200  # nothing was asked that could be refused
    assert "PLAT did not exist yet in 2026-W48" in response.content.decode()
