"""Celery tasks of the weekly cycle. Thin: they take ids and ISO weeks, never model
instances, and call ``initiatives.weekly.jobs``, where exactly-once is kept in the database.

beat -> tick (every few minutes) -> send_reminders / send_digest (one per team and week)
     -> deliver_email (one per recipient, retried with backoff on SMTP errors)
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from initiatives.models import JobKind
from initiatives.outbox.api import enqueue
from initiatives.weekly import jobs as weekly_jobs
from tracker.observability import EMAILS_SENT


# Through the transactional outbox (initiatives.outbox). These run in ``on_commit`` callbacks
# (the job and delivery rows are committed): the message row is written and handed over at
# once, or by the drain once the broker is back. The tasks act on job and delivery rows only
# while they are pending, so a message handed over twice sends nothing twice.
def dispatch_job(kind: str, team_id: int, week: str) -> None:
    if kind in weekly_jobs.EXTRA_JOBS:  # another subject's job (weekly_jobs.register_job)
        enqueue(
            "celery.task", {"task": run_extra_job.name, "args": [kind, team_id, week]}, now=True
        )
        return
    task = send_digest if kind == JobKind.DIGEST else send_reminders
    enqueue("celery.task", {"task": task.name, "args": [team_id, week]}, now=True)


def dispatch_delivery(delivery_id: int) -> None:
    enqueue("celery.task", {"task": deliver_email.name, "args": [delivery_id]}, now=True)


@shared_task(name="initiatives.tick", ignore_result=True)
def tick() -> dict[str, int]:
    """Enqueue every team's reminder and digest whose slot has passed and that has not run;
    repair jobs left behind by a lost message or a dead worker."""
    now = timezone.now()
    created = weekly_jobs.enqueue_due_jobs(now=now, dispatch=dispatch_job)
    repaired = weekly_jobs.sweep(
        now=now, dispatch_job=dispatch_job, dispatch_delivery=dispatch_delivery
    )
    return {"enqueued": len(created), **repaired}


@shared_task(name="initiatives.send_reminders", ignore_result=True)
def send_reminders(team_id: int, week: str) -> None:
    weekly_jobs.run_job(team_id, week, JobKind.REMINDER, dispatch=dispatch_delivery)


@shared_task(name="initiatives.send_digest", ignore_result=True)
def send_digest(team_id: int, week: str) -> None:
    weekly_jobs.run_job(team_id, week, JobKind.DIGEST, dispatch=dispatch_delivery)


@shared_task(name="initiatives.run_extra_job", ignore_result=True)
def run_extra_job(kind: str, team_id: int, week: str) -> None:
    weekly_jobs.run_job(team_id, week, kind, dispatch=dispatch_delivery)


@shared_task(bind=True, name="initiatives.deliver_email", ignore_result=True, max_retries=None)
def deliver_email(self, delivery_id: int) -> str:
    # The attempt count and backoff live on the delivery row, so they survive a lost retry
    # message; Celery's own retry is only the timer.
    outcome = weekly_jobs.deliver(delivery_id)
    if outcome.result == "retry":
        raise self.retry(countdown=outcome.retry_in)
    if outcome.result == "sent":
        EMAILS_SENT.labels(outcome.kind or "unknown").inc()
    return outcome.result
