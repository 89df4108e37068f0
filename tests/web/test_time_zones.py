"""Times in the viewer's time zone: their own, else their team's; named once per page; kept in
the session at sign-in (no query per page); the profile page changes it; the API stays UTC."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Membership, Profile
from initiatives.rules.exceptions import ValidationFailed
from initiatives.services.profile import profile_set_time_zone
from initiatives.web.templatetags.dates import day
from initiatives.web.timezones import SESSION_KEY
from tests.factories import TeamFactory, member


def shown_times(zone: str) -> set[str]:
    """The clock time now in ``zone`` (and a minute on, should the page straddle it)."""
    now = timezone.now()
    tz = zoneinfo.ZoneInfo(zone)
    return {f"{timezone.localtime(now + dt.timedelta(minutes=m), tz):%H:%M}" for m in (0, 1)}


@pytest.fixture
def tokyo(team):
    team.time_zone = "Asia/Tokyo"
    team.save(update_fields=["time_zone"])
    return team


def test_pages_show_times_in_the_team_zone_and_name_it(client, tokyo, people, initiative):
    client.force_login(people["viewer"])
    assert client.session[SESSION_KEY] == "Asia/Tokyo"
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert html.count("Times in Asia/Tokyo") == 1
    assert any("</time>" in html and t in html for t in shown_times("Asia/Tokyo"))


def test_own_zone_wins_and_the_profile_page_changes_it(client, tokyo, people, initiative):
    viewer = people["viewer"]
    client.force_login(viewer)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and "Your team&#x27;s (Asia/Tokyo)" in page.content.decode()
    response = client.post(reverse("profile"), {"time_zone": "America/New_York"})
    assert response.status_code == 302
    assert Profile.objects.get(user=viewer).time_zone == "America/New_York"
    assert client.session[SESSION_KEY] == "America/New_York"
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "Times in America/New_York" in html
    assert any(t in html for t in shown_times("America/New_York"))
    # Back to the team's.
    client.post(reverse("profile"), {"time_zone": ""})
    assert client.session[SESSION_KEY] == "Asia/Tokyo"


def test_profile_refuses_an_unknown_zone(client, people):
    client.force_login(people["viewer"])
    response = client.post(reverse("profile"), {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert not Profile.objects.filter(user=people["viewer"]).exists()
    with pytest.raises(ValidationFailed):
        profile_set_time_zone(actor=people["viewer"], time_zone="Nowhere/Else")


def test_profile_requires_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_session_from_before_works_its_zone_out_once(client, tokyo, people, initiative):
    client.force_login(people["viewer"])
    session = client.session
    del session[SESSION_KEY]
    session.save()
    client.get(reverse("my-work"))
    assert client.session[SESSION_KEY] == "Asia/Tokyo"


def test_no_team_means_utc(client, db):
    loner = member(TeamFactory(key="SOLO"), username="loner")
    loner.memberships.all().delete()
    client.force_login(loner)
    assert client.session[SESSION_KEY] == "UTC"


def test_the_api_stays_in_utc(client, tokyo, people, initiative):
    client.force_login(people["viewer"])
    body = client.get(f"/api/v1/initiatives/{initiative.key}/").json()
    assert body["created_at"].endswith(("Z", "+00:00"))


def test_cached_pages_are_per_time_zone(client, tokyo, people, initiative):
    """A page cached for a viewer in Tokyo is not served in New York's times."""
    client.force_login(people["viewer"])
    client.get(initiative.get_absolute_url())
    client.post(reverse("profile"), {"time_zone": "America/New_York"})
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "Times in America/New_York" in html
    assert any(t in html for t in shown_times("America/New_York"))


def test_dates_outside_the_current_year_show_the_year():
    today = dt.date(2026, 6, 1)
    assert day(dt.date(2026, 3, 2), today) == "2 Mar"
    assert day(dt.date(2025, 3, 2), today) == "2 Mar 2025"
    assert day(dt.date(2027, 1, 9), today) == "9 Jan 2027"


def test_go_shortcuts_pick_the_team(client, team, people):
    client.force_login(people["viewer"])
    assert client.get("/go/board/")["Location"] == reverse("team-detail", args=["PLAT"])
    assert client.get("/go/new/?team=plat")["Location"] == reverse(
        "initiative-create", args=["PLAT"]
    )
    # Not one's team: the only team instead; with several teams and none named, the list.
    assert client.get("/go/board/?team=DATA")["Location"] == reverse("team-detail", args=["PLAT"])
    Membership.objects.create(team=TeamFactory(key="OPS"), user=people["viewer"])
    assert client.get("/go/board/")["Location"] == reverse("team-list")
