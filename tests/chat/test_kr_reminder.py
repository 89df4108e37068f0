"""Goals' weekly key-result check-in reminder in the team's channels: built for Slack and
Mattermost, posted once per channel that chose ``kr_reminder`` by the goals job itself
(``weekly.jobs.register_job_hook``), never to another channel, never with nothing missing."""

from __future__ import annotations

import pytest

from initiatives.chat import messages
from initiatives.chat import services as chat
from initiatives.chat.format import slack_limit_errors
from initiatives.chat.models import ChatDelivery, ChatDeliveryStatus, MessageKind
from initiatives.goals import reminders
from initiatives.goals import services as goals
from initiatives.models import JobKind, JobRun, Team
from initiatives.weekly import jobs as weekly_jobs
from tests.chat.conftest import committed, make_channel
from tests.goals.conftest import make_goal, make_monitor, make_result, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"
MONDAY = utc("2026-11-16 12:00")
SLOT = utc("2026-11-19 10:00")  # Thursday 10:00, the team's reminder slot


def run_inline(kind, team_id, week):
    weekly_jobs.run_job(team_id, week, kind, dispatch=weekly_jobs.deliver)


def tick(now):
    with travel(now), committed():
        return weekly_jobs.enqueue_due_jobs(now=now, dispatch=run_inline)


@pytest.fixture
def plat(team, people, receiver):
    Team.objects.filter(pk=team.pk).update(created_at=utc("2026-01-01 00:00"))
    team.refresh_from_db()
    with travel(MONDAY):
        goal = make_goal(team, people["em"], owner=people["dri"])
        result = make_result(goal, people["em"], owner=people["dri"])
        monitor = make_monitor(goal, people["em"], owner=people["engineer"])
        krs = make_channel(team, people["em"], receiver, "krs", ["kr_reminder"])
        make_channel(team, people["em"], receiver, "mm", ["kr_reminder"], kind="mattermost")
        make_channel(team, people["em"], receiver, "status", ["reminder", "digest"])
    chat.chat_identity_set(user=people["dri"], slack_user_id="U0DRI1", mattermost_username="dana")
    return {"team": team, "goal": goal, "result": result, "monitor": monitor, "krs": krs}


def test_the_message_lists_missing_check_ins_with_owners_and_goal_links(plat, people):
    with travel(SLOT):
        listing = reminders.listing(plat["team"], WEEK)
    assert listing is not None
    goal_url = f"/goals/{plat['goal'].pk}/"
    slack = messages.listing_message("slack", listing).payload()
    assert slack_limit_errors(slack) == []
    text = "\n".join(b["text"]["text"] for b in slack["blocks"] if b["type"] == "section")
    assert "<@U0DRI1>" in text  # the DRI by Slack member id
    assert f"*{people['engineer'].get_full_name()}*" in text  # no handle: the name, bold
    assert goal_url in text and "Successful installs" in text and "Users on the latest" in text
    assert slack["blocks"][0]["text"]["text"].endswith("key-result check-ins due for 2026-W47")
    mattermost = messages.listing_message("mattermost", listing).payload()
    body = "\n".join(a["text"] for a in mattermost["attachments"])
    assert "@dana" in body and f"{goal_url})" in body
    assert "2 key results have no check-in for 2026-W47" in slack["text"]


def test_posted_once_to_each_channel_that_chose_it_and_not_to_others(plat, people, receiver):
    with travel(utc("2026-11-17 09:00")):
        goals.check_in(key_result=plat["monitor"], actor=people["engineer"], value=70)
    tick(SLOT)
    tick(utc("2026-11-19 10:05"))
    with committed():  # a rerun of the job, a duplicated dispatch
        run_inline(JobKind.KR_CHECKIN, plat["team"].pk, WEEK)
        weekly_jobs.run_job_hooks(plat["team"], WEEK, JobKind.KR_CHECKIN)
    [slack] = receiver.got("krs")
    [mattermost] = receiver.got("mm")
    assert receiver.got("status") == []  # it follows the update reminder, not this one
    assert "<@U0DRI1>" in str(slack) and "Users on the latest" not in str(slack)
    assert "@dana" in str(mattermost)
    rows = ChatDelivery.objects.filter(kind=MessageKind.KR_REMINDER)
    assert sorted(r.channel.name for r in rows) == ["krs", "mm"]
    assert {r.status for r in rows} == {ChatDeliveryStatus.SENT}
    assert JobRun.objects.filter(team=plat["team"], kind=JobKind.KR_CHECKIN).count() == 1


def test_nothing_posted_when_every_key_result_has_its_check_in(plat, people, receiver):
    with travel(utc("2026-11-17 09:00")):
        goals.check_in(key_result=plat["result"], actor=people["dri"], value=90)
        goals.check_in(key_result=plat["monitor"], actor=people["engineer"], value=90)
    tick(SLOT)
    assert receiver.got("krs") == [] and receiver.got("mm") == []
    rows = ChatDelivery.objects.filter(kind=MessageKind.KR_REMINDER)
    assert {r.status for r in rows} == {ChatDeliveryStatus.SKIPPED}
    assert reminders.listing(plat["team"], WEEK) is None
