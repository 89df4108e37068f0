"""The weekly check-in reminder (exactly once, at the team's reminder slot, to each owner of
a key result without this week's check-in) and the digest's Goals section."""

import datetime as dt

import pytest

from initiatives.goals import services as goals
from initiatives.goals.models import GoalStatus
from initiatives.models import EmailDelivery, JobKind, JobRun, JobStatus, Team
from initiatives.weekly import jobs as weekly_jobs
from initiatives.weekly.digest import build_digest, render_digest_text
from tests.goals.conftest import committed, make_goal, make_monitor, make_result, travel, utc

pytestmark = pytest.mark.django_db


def run_inline(kind, team_id, week):
    weekly_jobs.run_job(team_id, week, kind, dispatch=weekly_jobs.deliver)


def tick(now):
    with travel(now), committed():
        return weekly_jobs.enqueue_due_jobs(now=now, dispatch=run_inline)


def kr_mail(outbox):
    return [m for m in outbox if "Check in" in m.subject]


@pytest.fixture
def plat(team, people):
    Team.objects.filter(pk=team.pk).update(created_at=utc("2026-01-01 00:00"))
    team.refresh_from_db()
    with travel(utc("2026-11-16 12:00")):  # Monday of 2026-W47
        goal = make_goal(team, people["em"], owner=people["dri"])
        result = make_result(goal, people["em"], owner=people["dri"])
        monitor = make_monitor(goal, people["em"], owner=people["engineer"])
        other = make_result(goal, people["em"], owner=people["dri"], title="Upgrades succeed")
    return {"team": team, "goal": goal, "result": result, "monitor": monitor, "other": other}


def test_owners_get_one_reminder_each_at_the_reminder_slot_exactly_once(plat, people, mailoutbox):
    with travel(utc("2026-11-17 09:00")):
        goals.check_in(key_result=plat["monitor"], actor=people["engineer"], value=70)
    assert not [j for j in tick(utc("2026-11-19 09:59")) if j.kind == JobKind.KR_CHECKIN]
    created = tick(utc("2026-11-19 10:00"))  # Thursday 10:00, the team's reminder slot
    assert [(j.kind, j.week) for j in created if j.kind == JobKind.KR_CHECKIN] == [
        (JobKind.KR_CHECKIN, "2026-W47")
    ]
    # The engineer checked in their monitor: only the DRI, for their two key results.
    [mail] = kr_mail(mailoutbox)
    assert mail.to == [people["dri"].email]
    assert mail.subject == "[PLAT] Check in 2 key results for 2026-W47"
    assert "Successful installs" in mail.body and "Upgrades succeed" in mail.body
    assert f"/goals/{plat['goal'].pk}/#kr-{plat['result'].pk}" in mail.body
    # Later ticks, a rerun of the job, a duplicated dispatch: nothing more.
    tick(utc("2026-11-19 10:05"))
    tick(utc("2026-11-20 09:00"))
    with committed():
        run_inline(JobKind.KR_CHECKIN, plat["team"].pk, "2026-W47")
        run_inline(JobKind.KR_CHECKIN, plat["team"].pk, "2026-W47")
    assert len(kr_mail(mailoutbox)) == 1
    job = JobRun.objects.get(team=plat["team"], kind=JobKind.KR_CHECKIN)
    assert job.status == JobStatus.DONE
    assert EmailDelivery.objects.filter(job=job).count() == 1


def test_no_reminder_when_everything_is_checked_in_or_goals_are_closed(plat, people, mailoutbox):
    with travel(utc("2026-11-17 09:00")):
        for kr, who in (("result", "dri"), ("other", "dri"), ("monitor", "engineer")):
            goals.check_in(key_result=plat[kr], actor=people[who], value=90)
    tick(utc("2026-11-19 10:00"))
    assert kr_mail(mailoutbox) == []
    job = JobRun.objects.get(team=plat["team"], kind=JobKind.KR_CHECKIN)
    assert job.note == "Every key result has its check-in."
    # Next week, the goal is achieved: no job at all.
    goals.goal_update(
        goal=plat["goal"], actor=people["em"], changes={"status": GoalStatus.ACHIEVED}
    )
    assert not [j for j in tick(utc("2026-11-26 10:00")) if j.kind == JobKind.KR_CHECKIN]


def test_a_slot_missed_for_more_than_a_day_is_skipped(plat, mailoutbox):
    assert not [j for j in tick(utc("2026-11-20 10:01")) if j.kind == JobKind.KR_CHECKIN]


def test_the_digest_lists_key_results_needing_attention_first_then_missing_check_ins(plat, people):
    with travel(utc("2026-11-17 09:00")):  # 2026-W47; half the quarter has passed
        goals.check_in(key_result=plat["result"], actor=people["dri"], value=81)  # behind
        goals.check_in(key_result=plat["monitor"], actor=people["engineer"], value=40)  # out
    with travel(utc("2026-11-23 08:00")):  # 2026-W48: after the digest's week, not in it
        goals.check_in(key_result=plat["other"], actor=people["dri"], value=99)
        goals.check_in(key_result=plat["monitor"], actor=people["engineer"], value=90)
    with travel(utc("2026-11-23 09:00")):
        digest = build_digest(plat["team"], "2026-W47")
        text = render_digest_text(digest)
    [section] = [s for s in digest.sections if s.html_template.startswith("goals/")]
    figures = section.data
    assert [r.key_result.title for r in figures.attention] == [
        "Users on the latest version",
        "Successful installs",
    ]
    assert [r.standing.code for r in figures.attention] == ["out_of_band", "behind"]
    assert [r.key_result.title for r in figures.missing] == ["Upgrades succeed"]
    assert "GOALS" in text and "Out of band: Users on the latest version" in text
    assert "No check-in for 2026-W47: Upgrades succeed" in text


def test_the_digest_has_no_goals_section_without_open_goals(team, people):
    Team.objects.filter(pk=team.pk).update(created_at=utc("2026-01-01 00:00"))
    team.refresh_from_db()
    with travel(utc("2026-11-23 09:00")):
        digest = build_digest(team, "2026-W47")
    assert not [s for s in digest.sections if s.html_template.startswith("goals/")]


def test_dates_of_the_period(plat):
    assert plat["goal"].ends_on == dt.date(2026, 12, 31)
