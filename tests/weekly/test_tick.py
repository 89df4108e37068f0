"""The tick, time-travelled: which (team, week, kind) jobs are due, in each team's time zone."""

import datetime as dt

import pytest

from initiatives.models import EmailDelivery, JobKind, JobRun, JobStatus, Role, State, Team
from initiatives.weekly import jobs as weekly_jobs
from initiatives.weekly.schedule import due_slots, slot_at
from tests.factories import TeamFactory, make_initiative, member
from tests.weekly.conftest import move, run_job, travel, utc

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, kind, team_id, week):
        self.calls.append((Team.objects.get(pk=team_id).key, kind, week))


def tick(moment):
    """The jobs one tick at ``moment`` claims (dispatching is tested on its own)."""
    with travel(moment):
        created = weekly_jobs.enqueue_due_jobs(now=moment, dispatch=lambda *args: None)
    return sorted((job.team.key, job.kind, job.week) for job in created)


def make_team(key, tz, created, **schedule):
    with travel(created):
        return TeamFactory(key=key, time_zone=tz, **schedule)


# 2026-W47 runs Mon 16 Nov to Sun 22 Nov; its reminder slot is Thu 19 Nov, its digest slot
# Mon 23 Nov (the Monday after). Teams created on Mon 16 Nov at 15:00 UTC: earlier slots are
# never due (the W46 digest went out that morning everywhere).
CREATED = utc("2026-11-16 15:00")


def test_reminder_slots_follow_each_team_time_zone():
    make_team("SYD", "Australia/Sydney", CREATED)  # UTC+11 in November
    make_team("BER", "Europe/Berlin", CREATED)  # UTC+1
    make_team("NYC", "America/New_York", CREATED)  # UTC-5
    assert tick(utc("2026-11-18 22:59")) == []
    assert tick(utc("2026-11-18 23:00")) == [("SYD", "reminder", "2026-W47")]
    assert tick(utc("2026-11-19 08:59")) == []
    assert tick(utc("2026-11-19 09:00")) == [("BER", "reminder", "2026-W47")]
    assert tick(utc("2026-11-19 14:59")) == []
    assert tick(utc("2026-11-19 15:00")) == [("NYC", "reminder", "2026-W47")]
    # Digests of W47 go out on Monday of W48 at 09:00 local.
    assert tick(utc("2026-11-22 21:59")) == []
    assert tick(utc("2026-11-22 22:00")) == [("SYD", "digest", "2026-W47")]
    assert tick(utc("2026-11-23 08:00")) == [("BER", "digest", "2026-W47")]
    assert tick(utc("2026-11-23 14:00")) == [("NYC", "digest", "2026-W47")]
    assert tick(utc("2026-11-23 14:05")) == []
    assert JobRun.objects.count() == 6


def test_custom_slot_before_and_after():
    team = make_team(
        "FRI", "Asia/Kolkata", CREATED, reminder_weekday=4, reminder_time=dt.time(16, 30)
    )
    # Friday 16:30 IST is 11:00 UTC.
    assert slot_at(team, JobKind.REMINDER, "2026-W47") == utc("2026-11-20 11:00")
    assert [s.kind for s in due_slots(team, utc("2026-11-20 10:59"))] == []
    assert [(s.kind, s.week) for s in due_slots(team, utc("2026-11-20 11:00"))] == [
        ("reminder", "2026-W47")
    ]


def test_slot_stays_at_local_time_across_the_autumn_dst_change():
    # Berlin leaves summer time on Sun 25 Oct 2026: Thursday 10:00 is 08:00 UTC before the
    # change and 09:00 UTC after it.
    team = make_team("BER", "Europe/Berlin", utc("2026-10-01 00:00"))
    assert slot_at(team, JobKind.REMINDER, "2026-W43") == utc("2026-10-22 08:00")
    assert slot_at(team, JobKind.REMINDER, "2026-W44") == utc("2026-10-29 09:00")
    # The W43 digest, on the first Monday after the change: 09:00 CET = 08:00 UTC.
    assert slot_at(team, JobKind.DIGEST, "2026-W43") == utc("2026-10-26 08:00")
    assert tick(utc("2026-10-29 08:59")) == [("BER", "digest", "2026-W42"),
                                            ("BER", "digest", "2026-W43"),
                                            ("BER", "reminder", "2026-W43")]  # fmt: skip
    assert tick(utc("2026-10-29 09:00")) == [("BER", "reminder", "2026-W44")]


def test_slot_in_the_spring_forward_gap_fires_once():
    # New York skips 02:00-03:00 on Sun 8 Mar 2026; a Sunday 02:30 digest slot runs at 03:30
    # EDT (07:30 UTC) and only once.
    team = make_team(
        "NYC", "America/New_York", utc("2026-03-01 00:00"),
        digest_weekday=6, digest_time=dt.time(2, 30),
    )  # fmt: skip
    assert slot_at(team, JobKind.DIGEST, "2026-W09") == utc("2026-03-08 07:30")
    assert ("NYC", "digest", "2026-W09") not in tick(utc("2026-03-08 07:29"))
    assert ("NYC", "digest", "2026-W09") in tick(utc("2026-03-08 07:30"))
    assert tick(utc("2026-03-08 08:30")) == []


def test_week_with_no_active_initiatives_runs_once_and_sends_nothing(mailoutbox):
    team = make_team("IDLE", "UTC", CREATED)
    em = member(team, Role.EM, "idle-em")
    with travel(CREATED):
        move(make_initiative(team, em, title="On hold"), em, State.SCOPING, State.PAUSED)
        make_initiative(team, em, title="Just an idea")  # discovery
    moment = utc("2026-11-23 09:00")
    with travel(moment):
        created = weekly_jobs.enqueue_due_jobs(now=moment, dispatch=lambda *a: None)
        assert {(j.kind, j.week) for j in created} == {
            ("reminder", "2026-W47"),
            ("digest", "2026-W47"),
        }
        for job in created:
            done = run_job(team, job.week, job.kind)
            assert done.status == JobStatus.DONE
            assert done.note
    assert mailoutbox == []
    assert not EmailDelivery.objects.exists()
    assert tick(utc("2026-11-23 09:05")) == []


def test_missed_week_is_caught_up_once():
    team = make_team("BER", "Europe/Berlin", utc("2026-11-01 00:00"))
    # Everything ran up to the W45 digest (Mon 16 Nov)... then the servers were down until
    # Tuesday 24 Nov.
    for kind, week in [("reminder", "2026-W45"), ("digest", "2026-W44"), ("digest", "2026-W45")]:
        JobRun.objects.create(team=team, kind=kind, week=week, status=JobStatus.DONE)
    first = tick(utc("2026-11-24 10:00"))
    # The W46 reminder is not caught up: its update can no longer be posted.
    assert first == [
        ("BER", "digest", "2026-W46"),
        ("BER", "digest", "2026-W47"),
        ("BER", "reminder", "2026-W47"),
    ]
    assert tick(utc("2026-11-24 10:05")) == []
    assert tick(utc("2026-11-26 09:00")) == [("BER", "reminder", "2026-W48")]
    assert tick(utc("2026-11-30 08:00")) == [("BER", "digest", "2026-W48")]


def test_slots_before_the_team_existed_are_never_due():
    team = make_team("NEW", "UTC", utc("2026-11-20 12:00"))
    assert due_slots(team, utc("2026-11-20 12:05")) == []


def test_jobs_are_enqueued_only_after_commit(django_capture_on_commit_callbacks):
    make_team("BER", "Europe/Berlin", CREATED)
    recorder = Recorder()
    moment = utc("2026-11-19 09:00")
    with travel(moment), django_capture_on_commit_callbacks(execute=False) as callbacks:
        weekly_jobs.enqueue_due_jobs(now=moment, dispatch=recorder)
        assert recorder.calls == []  # not before the JobRun row is committed
    assert len(callbacks) == 1
    callbacks[0]()
    assert recorder.calls == [("BER", "reminder", "2026-W47")]


def test_beat_schedules_the_tick(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-cycle-tick"]
    assert entry["task"] == "initiatives.tick"
    assert entry["schedule"] <= 600
