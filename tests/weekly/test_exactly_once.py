"""Exactly once: one JobRun per (team, week, kind), one email per recipient, whatever is
retried, rerun or killed."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
from django.utils import timezone

from initiatives.models import DeliveryStatus, EmailDelivery, JobKind, JobRun, JobStatus, State
from initiatives.weekly import jobs as weekly_jobs
from initiatives.weekly import tasks
from initiatives.weekly.schedule import local_week
from tests.factories import make_initiative
from tests.weekly.conftest import committed, move, post, run_job, travel

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"


def run_digest(team):
    return run_job(team, WEEK, JobKind.DIGEST)


def recipients(outbox):
    return sorted(address for message in outbox for address in message.to)


def test_running_the_digest_twice_sends_one_email_per_recipient(recipients_team, mailoutbox):
    team, _ = recipients_team
    first = run_digest(team)
    second = run_digest(team)
    assert first.pk == second.pk and second.status == JobStatus.DONE
    assert recipients(mailoutbox) == [
        "ops-em@example.com",
        "ops-pm2@example.com",
        "ops-pm@example.com",
        "vp@example.org",
    ]
    assert JobRun.objects.filter(team=team, week=WEEK, kind=JobKind.DIGEST).count() == 1
    assert set(EmailDelivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_run_failing_halfway_then_retried_sends_only_the_other_half(
    recipients_team, mailoutbox, flaky
):
    team, _ = recipients_team
    flaky.budget = 2  # the SMTP server drops after two messages
    job = run_digest(team)
    assert job.status == JobStatus.RUNNING
    sent_first = recipients(mailoutbox)
    assert len(sent_first) == 2
    waiting = EmailDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert waiting.count() == 2
    assert all("SMTPServerDisconnected" in d.last_error for d in waiting)

    flaky.budget = None  # the server is back
    # A retry before the backoff has passed sends nothing...
    assert run_digest(team).status == JobStatus.RUNNING
    assert len(mailoutbox) == 2
    # ...after it, only the two that were not sent.
    with travel(timezone.now() + dt.timedelta(minutes=2)):
        job = run_digest(team)
    assert job.status == JobStatus.DONE
    assert len(mailoutbox) == 4
    assert set(recipients(mailoutbox[2:])).isdisjoint(sent_first)
    assert set(recipients(mailoutbox)) == {
        "ops-em@example.com", "ops-pm2@example.com", "ops-pm@example.com", "vp@example.org",
    }  # fmt: skip
    assert sorted(EmailDelivery.objects.values_list("attempts", flat=True)) == [1, 1, 2, 2]


def test_a_duplicated_or_retried_delivery_task_sends_once(recipients_team, mailoutbox):
    team, _ = recipients_team
    job = weekly_jobs.run_job(team.pk, WEEK, JobKind.DIGEST, dispatch=lambda pk: None)
    delivery = job.deliveries.first()
    assert weekly_jobs.deliver(delivery.pk).result == "sent"
    assert weekly_jobs.deliver(delivery.pk).result == "skipped"
    assert len(mailoutbox) == 1


def test_backoff_doubles_and_the_last_attempt_gives_up(recipients_team, mailoutbox, flaky):
    team, _ = recipients_team
    flaky.budget = 0
    job = weekly_jobs.run_job(team.pk, WEEK, JobKind.DIGEST, dispatch=lambda pk: None)
    delivery = job.deliveries.first()
    now = timezone.now()
    delays = []
    for _ in range(5):
        outcome = weekly_jobs.deliver(delivery.pk, now=now)
        delays.append(outcome.retry_in)
        now += dt.timedelta(hours=2)
    assert delays == [60, 120, 240, 480, None]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 5)
    assert mailoutbox == []


def test_an_address_refused_for_good_is_not_retried(recipients_team, flaky):
    team, _ = recipients_team
    flaky.budget = 0
    flaky.error = smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"No such user")})
    job = weekly_jobs.run_job(team.pk, WEEK, JobKind.DIGEST, dispatch=lambda pk: None)
    outcome = weekly_jobs.deliver(job.deliveries.first().pk)
    assert outcome.result == "failed"


def test_a_delivery_left_sending_by_a_dead_worker_is_never_resent(recipients_team, mailoutbox):
    team, _ = recipients_team
    job = weekly_jobs.run_job(team.pk, WEEK, JobKind.DIGEST, dispatch=lambda pk: None)
    stuck = job.deliveries.first()
    # The worker claimed it and died during the SMTP conversation.
    EmailDelivery.objects.filter(pk=stuck.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_at=timezone.now()
    )
    assert weekly_jobs.deliver(stuck.pk).result == "skipped"  # the redelivered task
    later = timezone.now() + dt.timedelta(minutes=20)
    redispatched = []
    with travel(later), committed():
        report = weekly_jobs.sweep(
            now=later,
            dispatch_job=lambda *args: redispatched.append(args),
            dispatch_delivery=lambda pk: None,
        )
    stuck.refresh_from_db()
    assert report["given_up"] == 1
    assert stuck.status == DeliveryStatus.FAILED and "may have been delivered" in stuck.last_error
    assert weekly_jobs.deliver(stuck.pk).result == "skipped"
    assert mailoutbox == []


def test_sweep_redispatches_a_job_whose_messages_were_lost(recipients_team, mailoutbox):
    team, _ = recipients_team
    # The job row was created and its deliveries written, but the broker lost every message.
    job = weekly_jobs.run_job(team.pk, WEEK, JobKind.DIGEST, dispatch=lambda pk: None)
    later = timezone.now() + dt.timedelta(minutes=20)
    again = []
    with travel(later), committed():
        weekly_jobs.sweep(
            now=later, dispatch_job=lambda *a: again.append(a), dispatch_delivery=lambda pk: None
        )
    assert again == [(JobKind.DIGEST, team.pk, WEEK)]
    job = run_job(team, WEEK, JobKind.DIGEST)
    assert job.status == JobStatus.DONE and len(mailoutbox) == 4


def test_deliveries_are_enqueued_only_after_commit(
    recipients_team, django_capture_on_commit_callbacks
):
    team, _ = recipients_team
    with mock.patch.object(tasks.deliver_email, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            tasks.send_digest(team.pk, WEEK)
        delay.assert_not_called()  # the transaction has not committed
        assert len(callbacks) == 4
        for callback in callbacks:
            callback()
        assert delay.call_count == 4
    assert {c.args[0] for c in delay.call_args_list} == set(
        EmailDelivery.objects.values_list("pk", flat=True)
    )


def test_celery_tasks_end_to_end_in_eager_mode(
    recipients_team, mailoutbox, django_capture_on_commit_callbacks
):
    from tracker.celery import app

    team, _ = recipients_team
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_digest.delay(team.pk, WEEK)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_digest.delay(team.pk, WEEK)  # a duplicate message
    finally:
        app.conf.task_always_eager = False
    assert len(mailoutbox) == 4
    message = mailoutbox[0]
    assert message.subject.startswith("[OPS] Weekly digest 2026-W47:")
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")


def test_reminders_go_once_to_each_dri_of_active_initiatives_without_update(
    team, people, mailoutbox
):
    dri, em = people["dri"], people["em"]
    now = timezone.now()
    week = local_week(team, now)
    due = move(make_initiative(team, dri, title="Needs update"), em, State.SCOPING)
    also = move(make_initiative(team, dri, title="Also needs update"), em, State.SCOPING,
                State.READY, State.IN_DELIVERY)  # fmt: skip
    posted = move(make_initiative(team, dri, title="Posted"), em, State.SCOPING)
    post(posted, dri, week, "on_track", now)
    move(make_initiative(team, dri, title="Paused"), em, State.SCOPING, State.PAUSED)
    move(make_initiative(team, people["engineer"], title="Gone"), em, State.SCOPING,
         State.CANCELLED)  # fmt: skip
    make_initiative(team, people["engineer"], title="Discovery only")

    for _ in range(2):
        run_job(team, week, JobKind.REMINDER)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["dri@example.com"]
    assert message.subject == f"[PLAT] Weekly update due for {week}: {due.key}, {also.key}"
    assert f"/i/{due.key}/update/" in message.body
    html = message.alternatives[0][0]
    assert f"/i/{also.key}/update/" in html
    assert "Posted" not in message.body and "Paused" not in message.body
