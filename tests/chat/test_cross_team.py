"""The cross-team digest: one message for several teams (a section per team, red and yellow
first across all of them), by email and/or on one's own channel, at one's own slot and time
zone, exactly once a week, instead of the per-team digest emails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from initiatives.chat import jobs
from initiatives.chat import services as chat
from initiatives.chat.format import slack_limit_errors
from initiatives.chat.models import ChatDelivery, CrossTeamDigest
from initiatives.models import Health, Membership, Role
from initiatives.rules.exceptions import ValidationFailed
from initiatives.weekly.selectors import receives_digest
from tests.chat.conftest import committed
from tests.factories import TeamFactory, member
from tests.weekly.conftest import backdate, delivering, post, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"


@pytest.fixture
def director(team, people):
    """A director in PLAT (EM) and DATA (PM), with a red initiative in DATA and a yellow and a
    green one in PLAT."""
    backdate(team)
    data = backdate(TeamFactory(key="DATA", name="Data"))
    boss = people["em"]
    Membership.objects.create(team=data, user=boss, role=Role.PM)
    data_dri = member(data, Role.ENGINEER, "data-dri")
    data_em = member(data, Role.EM, "data-em")
    now = utc("2026-11-18 10:00")
    with travel(utc("2026-11-16 10:00")):
        yellow = delivering(team, people["dri"], boss, "Yellow platform")
        green = delivering(team, people["dri"], boss, "Green platform")
        red = delivering(data, data_dri, data_em, "Red warehouse")
    with travel(now):
        post(yellow, people["dri"], WEEK, Health.AT_RISK, now)
        post(green, people["dri"], WEEK, Health.ON_TRACK, now)
        post(red, data_dri, WEEK, Health.OFF_TRACK, now)
    return {"user": boss, "teams": [team, data]}


def subscribe(director, receiver, **extra):
    with travel(utc("2026-11-20 12:00")):
        return chat.cross_team_digest_set(
            user=director["user"],
            teams=director["teams"],
            by_email=True,
            weekday=1,  # Tuesday
            at=dt.time(8, 30),
            time_zone="Europe/Berlin",
            channel_kind="slack",
            webhook_url=receiver.url("mine"),
            **extra,
        )


def tick(now):
    with travel(now), committed():
        due = jobs.due_cross_team(now=now)
        for subscription_id, week in due:
            jobs.build_cross_team(subscription_id, week, now=now)
        return due


def test_one_message_with_a_section_per_team_red_and_yellow_first(director, receiver, mailoutbox):
    subscription = subscribe(director, receiver)
    # Tuesday 08:30 in Berlin is 07:30 UTC: not yet at 07:00 UTC.
    assert tick(utc("2026-11-24 07:00")) == []
    assert tick(utc("2026-11-24 07:31")) == [(subscription.pk, WEEK)]
    tick(utc("2026-11-24 08:00"))  # again: nothing more
    (payload,) = receiver.got("mine")
    assert slack_limit_errors(payload) == []
    text = "\n".join(b["text"]["text"] for b in payload["blocks"] if "text" in b)
    assert text.index("Off track and at risk, all teams") < text.index("Data (DATA)")
    first = text.split("Data (DATA)")[0]
    assert first.index("Red warehouse") < first.index("Yellow platform")
    assert "Platform (PLAT)" in text and "Data (DATA)" in text
    assert "Green platform" not in text  # counted, not listed
    (email,) = mailoutbox
    assert email.to == [director["user"].email] and "DATA, PLAT" in email.subject
    assert "Red warehouse" in email.body and "**" not in email.body
    assert ChatDelivery.objects.filter(subscription=subscription).count() == 2


def test_it_replaces_the_per_team_digest_emails(director, receiver):
    boss, (plat, data) = director["user"], director["teams"]
    assert receives_digest(plat.pk, boss) and receives_digest(data.pk, boss)
    subscribe(director, receiver, replace_team_digests=True)
    assert not receives_digest(plat.pk, boss) and not receives_digest(data.pk, boss)


def test_a_team_one_has_left_is_left_out(director, receiver):
    subscription = subscribe(director, receiver)
    director["user"].memberships.filter(team=director["teams"][1]).delete()
    tick(utc("2026-11-24 07:31"))
    text = str(receiver.got("mine"))
    assert "Red warehouse" not in text and "Platform (PLAT)" in text
    assert subscription.teams.count() == 2


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"teams": "one"}, "teams"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"by_email": False, "channel_kind": "", "webhook_url": ""}, "by_email"),
        ({"weekday": 9}, "weekday"),
    ],
)
def test_bad_choices_are_refused(director, receiver, people, changes, field):
    values = {"user": director["user"], "teams": director["teams"], "by_email": True}
    values.update(changes)
    if values["teams"] == "one":
        values["teams"] = director["teams"][:1]
    with pytest.raises(ValidationFailed) as refused:
        chat.cross_team_digest_set(**values)
    assert field in refused.value.fields
    assert not CrossTeamDigest.objects.exists()


def test_teams_one_does_not_belong_to_are_refused(director, people):
    other = TeamFactory(key="SEC", name="Security")
    with pytest.raises(ValidationFailed):
        chat.cross_team_digest_set(
            user=director["user"], teams=[director["teams"][0], other], by_email=True
        )


def test_the_settings_page_subscribes_and_cancels(client, director, receiver):
    client.force_login(director["user"])
    url = reverse("chat-settings")
    plat, data = director["teams"]
    form = {"action": "cross_team", "teams": [plat.pk, data.pk], "by_email": "on",
            "weekday": "0", "at": "09:00", "time_zone": "UTC", "channel_kind": ""}  # fmt: skip
    assert client.post(url, form).status_code == 302
    subscription = CrossTeamDigest.objects.get(user=director["user"])
    assert set(subscription.teams.values_list("key", flat=True)) == {"PLAT", "DATA"}
    assert client.post(url, {**form, "teams": [plat.pk]}).status_code == 400
    assert client.post(url, {"action": "cross_team_cancel"}).status_code == 302
    assert not CrossTeamDigest.objects.exists()
