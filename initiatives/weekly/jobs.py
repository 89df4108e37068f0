"""Running the weekly jobs exactly once, from the database's point of view.

- The tick claims a (team, week, kind) by creating its ``JobRun`` (unique); only the creator
  enqueues it, after commit.
- A job builds its contents once, writes one ``EmailDelivery`` per address (unique per job,
  contents frozen) and fans out one delivery task each, after commit.
- A delivery is claimed with ``select_for_update(skip_locked=True)`` and moves
  pending -> sending -> sent, or back to pending (with a backoff) on an error, or failed after
  ``WEEKLY_EMAIL_MAX_ATTEMPTS``. A retried or duplicated task finds the row sent and does
  nothing; a rerun of the job only fans out what is still pending.
- A row left in ``sending`` (the worker died during SMTP) may or may not have reached the
  server; it is never resent automatically, which would risk a second copy: the sweep marks
  it failed after ``SENDING_STALE_AFTER`` for a person to look at.

Celery is only the transport: tasks call these functions, and the management commands and
tests call them directly with their own ``dispatch``.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from initiatives.models import DeliveryStatus, EmailDelivery, JobKind, JobRun, JobStatus, Team
from initiatives.rules.exceptions import ValidationFailed
from initiatives.rules.workflow import parse_iso_week
from initiatives.weekly.digest import build_digest, render_digest, render_digest_text
from initiatives.weekly.mail import RenderedEmail
from initiatives.weekly.reminders import build_reminders, render_reminder
from initiatives.weekly.schedule import Slot, due_slots
from initiatives.weekly.selectors import digest_recipients

log = logging.getLogger(__name__)

SENDING_STALE_AFTER = dt.timedelta(minutes=15)
STALLED_JOB_AFTER = dt.timedelta(minutes=15)

JobDispatch = Callable[[str, int, str], Any]  # (kind, team id, week)
DeliveryDispatch = Callable[[int], Any]  # delivery id


def max_attempts() -> int:
    return getattr(settings, "WEEKLY_EMAIL_MAX_ATTEMPTS", 5)


def backoff(attempts: int) -> int:
    """Seconds before the next attempt: doubling from the base, capped."""
    base = getattr(settings, "WEEKLY_EMAIL_RETRY_BASE", 60)
    cap = getattr(settings, "WEEKLY_EMAIL_RETRY_MAX", 3600)
    return int(min(base * 2 ** max(attempts - 1, 0), cap))


# --- Jobs other subjects add to the tick ------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    email: RenderedEmail
    user_id: int | None


@dataclass(frozen=True)
class ListedItem:
    """One line of a reminder posted elsewhere: what (plain text), where to act (an absolute
    URL) and who is asked (a user, mentioned by whoever posts it)."""

    label: str
    url: str
    person: Any


@dataclass(frozen=True)
class Listing:
    """A job's reminder as a list, for another subject to post elsewhere (chat builds its
    Slack and Mattermost messages from it). Plain text; ``at`` is the slot's moment."""

    header: str
    intro: str
    fallback: str
    items: list[ListedItem]
    more_url: str
    at: dt.datetime


@dataclass(frozen=True)
class ExtraJob:
    """A weekly job of another subject (intake's triage reminder), run by the same tick, job
    rows and delivery rows as the reminder and the digest: ``due`` lists the slots of the
    given teams that have passed at a moment, ``build`` the emails of one (team, week) and a
    note for the run (why there are none). ``listing``, if given, is what the job reminds of
    as a list (None when nothing is waiting), handed to the job hooks (chat)."""

    kind: str
    due: Callable[[list[Team], dt.datetime], list[tuple[Team, Slot]]]
    build: Callable[[Team, str], tuple[list[Outgoing], str]]
    listing: Callable[[Team, str], Listing | None] | None = None


EXTRA_JOBS: dict[str, ExtraJob] = {}

# Called once per extra job, when it builds its emails, inside the job's transaction: a
# subject above the weekly cycle (chat) posts the job's listing elsewhere. It must be
# idempotent itself (chat's delivery rows have a unique key).
JobHook = Callable[[ExtraJob, Team, str], Any]  # what it returns is ignored
JOB_HOOKS: list[JobHook] = []


def register_job(job: ExtraJob) -> ExtraJob:
    """Add ``job`` to the tick (its kind must be one of ``JobKind``)."""
    EXTRA_JOBS[job.kind] = job
    return job


def register_job_hook(hook: JobHook) -> JobHook:
    """Have ``hook`` called when an extra job builds (once per hook, however often it is
    registered)."""
    if hook not in JOB_HOOKS:
        JOB_HOOKS.append(hook)
    return hook


def run_job_hooks(team: Team, week: str, kind: str) -> None:
    """Each hook in a savepoint of its own: a failing hook is logged and does not hold back
    the job's emails."""
    job = EXTRA_JOBS.get(kind)
    if job is None:
        return
    for hook in JOB_HOOKS:
        try:
            with transaction.atomic():
                hook(job, team, week)
        except Exception:
            log.exception("Job hook %s failed for %s %s %s", hook, kind, team, week)


# --- The tick --------------------------------------------------------------------------------


def enqueue_due_jobs(*, now: dt.datetime, dispatch: JobDispatch) -> list[JobRun]:
    """Claim every due (team, week, kind) that has no ``JobRun`` yet and dispatch it after
    commit. Two ticks racing create each row once; only the creator dispatches it."""
    teams = list(Team.objects.all())
    due = [(team, slot) for team in teams for slot in due_slots(team, now)]
    due += [pair for extra in EXTRA_JOBS.values() for pair in extra.due(teams, now)]
    weeks = {slot.week for _, slot in due}
    existing = set(
        JobRun.objects.filter(team__in=teams, week__in=weeks).values_list("team_id", "week", "kind")
    )
    created = []
    for team, slot in due:
        if (team.pk, slot.week, slot.kind) in existing:
            continue
        with transaction.atomic():
            job, made = JobRun.objects.get_or_create(team=team, week=slot.week, kind=slot.kind)
            if made:
                transaction.on_commit(partial(dispatch, job.kind, job.team_id, job.week))
                created.append(job)
                log.info("Due: %s %s for %s (slot %s)", job.kind, job.week, team, slot.at)
    return created


def sweep(
    *, now: dt.datetime, dispatch_job: JobDispatch, dispatch_delivery: DeliveryDispatch
) -> dict[str, int]:
    """Repair what a lost message or a dead worker left behind: deliveries stuck in
    ``sending`` are given up (never resent: they may have gone out), and jobs that stopped
    moving are dispatched again (their task only sends what is still pending)."""
    stuck = EmailDelivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_STALE_AFTER
    )
    stuck_jobs = set(stuck.values_list("job_id", flat=True))
    given_up = stuck.update(
        status=DeliveryStatus.FAILED,
        last_error="The worker stopped while sending; not resent automatically because the "
        "message may have been delivered.",
        updated_at=now,
    )
    for job_id in stuck_jobs:
        finish_if_complete(job_id, now=now)
    stalled = list(
        JobRun.objects.filter(
            status__in=(JobStatus.PENDING, JobStatus.RUNNING),
            updated_at__lt=now - STALLED_JOB_AFTER,
        )
    )
    for job in stalled:
        # Touch it so the next sweep waits another STALLED_JOB_AFTER.
        JobRun.objects.filter(pk=job.pk).update(updated_at=now)
        transaction.on_commit(partial(dispatch_job, job.kind, job.team_id, job.week))
    return {"given_up": given_up, "redispatched": len(stalled)}


# --- A job -----------------------------------------------------------------------------------


def build_outgoing(team: Team, week: str, kind: str) -> tuple[list[Outgoing], str]:
    """The emails of a job and a note for the run (why there are none, if so)."""
    if kind in EXTRA_JOBS:
        return EXTRA_JOBS[kind].build(team, week)
    if kind == JobKind.DIGEST:
        try:
            digest = build_digest(team, week)
        except ValidationFailed as refusal:  # the week has not ended, or predates the team
            return [], refusal.message
        if digest.is_empty:
            return [], "Nothing to report: no active initiative, nothing finished or overridden."
        recipients = digest_recipients(team.pk)
        if not recipients:
            return [], "No recipients: the team has no EM, PM or subscriber with an email."
        return [Outgoing(render_digest(digest, r), r.user_id) for r in recipients], ""
    reminders = build_reminders(team, week)
    outgoing = [Outgoing(render_reminder(r), r.dri.pk) for r in reminders if r.dri.email]
    if not reminders:
        return [], "Every active initiative has its update."
    return outgoing, ""


def run_job(team_id: int, week: str, kind: str, *, dispatch: DeliveryDispatch) -> JobRun | None:
    """Build the job's deliveries once and dispatch (after commit) those still pending.
    Safe to call any number of times, concurrently too; returns None if another worker holds
    the job right now."""
    parse_iso_week(week)
    JobRun.objects.get_or_create(team_id=team_id, week=week, kind=kind)
    now = timezone.now()
    with transaction.atomic():
        job = (
            JobRun.objects.select_for_update(skip_locked=True)
            .filter(team_id=team_id, week=week, kind=kind)
            .first()
        )
        if job is None:
            return None
        if job.status == JobStatus.DONE:
            return job
        if job.status == JobStatus.PENDING:
            team = Team.objects.get(pk=team_id)
            outgoing, note = build_outgoing(team, week, kind)
            run_job_hooks(team, week, kind)
            EmailDelivery.objects.bulk_create(
                [
                    EmailDelivery(
                        job=job,
                        email=item.email.to.strip().lower(),
                        user_id=item.user_id,
                        subject=item.email.subject[:300],
                        body_text=item.email.text,
                        body_html=item.email.html,
                        headers=item.email.headers,
                    )
                    for item in outgoing
                ],
                ignore_conflicts=True,
            )
            job.status, job.started_at, job.note = JobStatus.RUNNING, now, note
        job.save()  # also touches updated_at, which the sweep watches
        ready = list(
            job.deliveries.filter(status=DeliveryStatus.PENDING)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .values_list("pk", flat=True)
        )
        for delivery_id in ready:
            transaction.on_commit(partial(dispatch, delivery_id))
    if not ready:
        finish_if_complete(job.pk, now=now)
    job.refresh_from_db()  # inline dispatches (commands, tests) have run by now
    return job


def finish_if_complete(job_id: int | None, *, now: dt.datetime | None = None) -> bool:
    if job_id is None:  # a delivery of no job (notifications) has nothing to finish
        return True
    open_states = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    if EmailDelivery.objects.filter(job_id=job_id, status__in=open_states).exists():
        return False
    JobRun.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, finished_at=now or timezone.now(), updated_at=now or timezone.now()
    )
    return True


# --- A delivery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    result: str  # sent, retry, failed, skipped
    retry_in: int | None = None
    detail: str = ""
    kind: str = ""  # of the job (reminder, digest), once sent


def _permanent(error: Exception) -> bool:
    """The server refused the address for good (5xx): retrying cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def build_message(
    delivery: EmailDelivery, job: JobRun | None, connection=None
) -> EmailMultiAlternatives:
    """The message of a delivery; ``job`` is None for a delivery of no weekly job (a batch
    of notifications, ``initiatives.notifications.email``)."""
    domain = urlparse(settings.SITE_URL).hostname or "shipshape.invalid"
    headers = dict(delivery.headers)
    # A stable Message-ID: if a copy ever went out twice, mail clients would fold them.
    if job is None:
        headers["Message-ID"] = f"<notifications.{delivery.pk}@{domain}>"
    else:
        headers["Message-ID"] = f"<{job.kind}.{job.week}.{job.team_id}.{delivery.pk}@{domain}>"
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.email],
        headers=headers,
        connection=connection,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    return message


def deliver(delivery_id: int, *, now: dt.datetime | None = None, connection=None) -> Outcome:
    """Send one delivery if it is still pending; see the module docstring for the states."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id).first()
        )
        if delivery is None:
            return Outcome("skipped", detail="claimed by another worker")
        if delivery.status != DeliveryStatus.PENDING:
            return Outcome("skipped", detail=f"already {delivery.status}")
        if delivery.not_before and delivery.not_before > now:
            return Outcome("skipped", detail="backing off")
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.claimed_at = now
        delivery.save(update_fields=["status", "attempts", "claimed_at", "updated_at"])
    job = JobRun.objects.get(pk=delivery.job_id) if delivery.job_id else None
    try:
        build_message(delivery, job, connection or get_connection()).send()
    except Exception as error:
        give_up = _permanent(error) or delivery.attempts >= max_attempts()
        delay = None if give_up else backoff(delivery.attempts)
        EmailDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED if give_up else DeliveryStatus.PENDING,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            not_before=None if give_up else now + dt.timedelta(seconds=delay or 0),
            updated_at=timezone.now(),
        )
        log.warning(
            "Email %s to %s failed (attempt %s): %s", delivery.pk, delivery.email,
            delivery.attempts, error,
        )  # fmt: skip
        finish_if_complete(delivery.job_id)
        return Outcome("failed" if give_up else "retry", retry_in=delay, detail=str(error))
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), updated_at=timezone.now()
    )
    finish_if_complete(delivery.job_id)
    return Outcome("sent", kind=job.kind if job else "notifications")


def deliver_now(delivery_id: int) -> Outcome:
    """A dispatch that sends in this process (management commands)."""
    return deliver(delivery_id)


# --- Dry runs --------------------------------------------------------------------------------


def dry_run(team: Team, week: str, kind: str) -> str:
    """What the job would send, as text; writes nothing."""
    parse_iso_week(week)
    if kind == JobKind.DIGEST:
        digest = build_digest(team, week)
        recipients = digest_recipients(team.pk)
        header = [
            f"Subject: {digest.subject}",
            "To: " + (", ".join(r.email for r in recipients) or "(nobody)"),
        ]
        if digest.is_empty:
            header.append("(Nothing to report: this digest would not be sent.)")
        return "\n".join(header) + "\n\n" + render_digest_text(digest)
    parts = []
    for reminder in build_reminders(team, week):
        email = render_reminder(reminder)
        parts.append(f"Subject: {email.subject}\nTo: {email.to or '(no email)'}\n\n{email.text}")
    return "\n\n".join(parts) or f"No reminders: every active initiative has its {week} update."
