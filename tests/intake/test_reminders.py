"""The triage reminder: one email to the person on call at the team's triage slot, exactly
once, through the weekly cycle's tick, job and delivery rows."""

import pytest

from initiatives.intake import rotation as rota_services
from initiatives.intake.models import Category
from initiatives.models import EmailDelivery, JobKind, JobRun, JobStatus, Team
from initiatives.weekly import jobs as weekly_jobs
from tests.intake.conftest import ask, committed, travel, utc

pytestmark = pytest.mark.django_db


def run_inline(kind, team_id, week):
    weekly_jobs.run_job(team_id, week, kind, dispatch=weekly_jobs.deliver)


def tick(now):
    with travel(now), committed():
        return weekly_jobs.enqueue_due_jobs(now=now, dispatch=run_inline)


@pytest.fixture
def plat(team, people):
    Team.objects.filter(pk=team.pk).update(created_at=utc("2026-01-01 00:00"))
    team.refresh_from_db()
    with travel(utc("2026-11-16 12:00")):  # Monday of 2026-W47
        rota_services.rotation_set(
            team=team, actor=people["em"], members=[people["engineer"], people["dri"]]
        )
        ask(team, people["outsider"], title="Bigger runners", category=Category.FEATURE)
        ask(team, people["outsider"], title="Prod is down", category=Category.CAT1)
    return team


def triage_mail(outbox):
    return [m for m in outbox if "Triage" in m.subject]


def test_the_person_on_call_gets_one_reminder_at_the_triage_slot(plat, people, mailoutbox):
    assert not [j for j in tick(utc("2026-11-17 09:59")) if j.kind == JobKind.TRIAGE]
    created = tick(utc("2026-11-17 10:00"))  # Tuesday 10:00, the default slot
    assert [(j.kind, j.week) for j in created if j.kind == JobKind.TRIAGE] == [
        (JobKind.TRIAGE, "2026-W47")
    ]
    [mail] = triage_mail(mailoutbox)
    assert mail.to == [people["engineer"].email]
    assert mail.subject == "[PLAT] Triage: 2 requests"
    assert "Prod is down" in mail.body and "/teams/PLAT/requests/" in mail.body
    # Later ticks, and running the job again, send nothing more.
    tick(utc("2026-11-17 10:05"))
    tick(utc("2026-11-18 10:00"))
    with committed():
        weekly_jobs.run_job(plat.pk, "2026-W47", JobKind.TRIAGE, dispatch=weekly_jobs.deliver)
    assert len(triage_mail(mailoutbox)) == 1
    job = JobRun.objects.get(team=plat, kind=JobKind.TRIAGE)
    assert job.status == JobStatus.DONE
    assert EmailDelivery.objects.filter(job=job).count() == 1


def test_the_next_week_has_its_own_reminder_for_the_next_person(plat, people, mailoutbox):
    tick(utc("2026-11-17 10:00"))
    tick(utc("2026-11-24 10:00"))
    assert [m.to for m in triage_mail(mailoutbox)] == [
        [people["engineer"].email],
        [people["dri"].email],
    ]
    assert "overdue" in triage_mail(mailoutbox)[1].subject


def test_an_override_at_the_slot_gets_the_reminder(plat, people, mailoutbox):
    with travel(utc("2026-11-16 13:00")):
        rota_services.override_add(
            team=plat, actor=people["em"], user=people["pm"],
            starts_at=utc("2026-11-17 00:00"), ends_at=utc("2026-11-18 00:00"),
        )  # fmt: skip
    tick(utc("2026-11-17 10:00"))
    assert [m.to for m in triage_mail(mailoutbox)] == [[people["pm"].email]]


def test_no_reminder_when_nothing_waits_or_nobody_is_on_call(team, people, mailoutbox):
    Team.objects.filter(pk=team.pk).update(created_at=utc("2026-01-01 00:00"))
    tick(utc("2026-11-17 10:00"))  # no intake set up: no triage job at all
    assert not JobRun.objects.filter(team=team, kind=JobKind.TRIAGE).exists()
    with travel(utc("2026-11-17 12:00")):
        rota_services.rotation_set(team=team, actor=people["em"], members=[], triage_weekday=2)
    tick(utc("2026-11-18 10:00"))
    job = JobRun.objects.get(team=team, kind=JobKind.TRIAGE)
    assert job.note.startswith("Nobody is on call")
    with travel(utc("2026-11-18 12:00")):
        rota_services.rotation_set(
            team=team, actor=people["em"], members=[people["dri"]], triage_weekday=1
        )
    tick(utc("2026-11-24 10:00"))
    assert JobRun.objects.get(team=team, week="2026-W48", kind=JobKind.TRIAGE).note == (
        "Nothing waits for triage."
    )
    assert not triage_mail(mailoutbox)
