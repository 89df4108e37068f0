"""The weekly reminder and digest in channels, and the cross-team digest, exactly once.

- The chat tick (Celery beat, with the weekly tick) finds each team's reminder and digest
  slots that have passed (``weekly.schedule.due_slots``: the team's own slots and time zone)
  and, for every channel following that kind that has no delivery row for (channel, team,
  week, kind) yet, queues the build of that team's message.
- The build writes one row per channel under the unique key ``<kind>:<channel>:<team>:<week>``
  with the message frozen in it, and queues its delivery after commit through the outbox; a
  second build (a duplicated message, a racing tick) finds the rows and queues nothing.
  With nothing to say (every update posted, an empty digest) the row is kept as ``skipped``:
  the week is claimed all the same.
- A channel connected after a slot does not get that slot's message.
- The cross-team digest works the same way per subscriber, at the subscriber's own slot.

Celery is only the transport: the tasks call these functions, the tests call them directly.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from initiatives.chat import messages
from initiatives.chat.models import (
    ChatChannel,
    ChatDelivery,
    ChatDeliveryStatus,
    CrossTeamDigest,
    MessageKind,
)
from initiatives.chat.services import DELIVER_TASK
from initiatives.models import JobKind, Membership, Team
from initiatives.outbox.api import enqueue
from initiatives.rules.exceptions import ValidationFailed
from initiatives.rules.workflow import iso_week, shift_week
from initiatives.weekly.digest import Digest, build_digest
from initiatives.weekly.jobs import ExtraJob, register_job_hook
from initiatives.weekly.schedule import _aware, due_slots, slot_at

log = logging.getLogger(__name__)

BuildDispatch = Callable[[int, str, str], Any]  # (team id, week, kind)
CrossTeamDispatch = Callable[[int, str], Any]  # (subscription id, week)


def delivery_key(kind: str, channel_id: int, team_id: int | None, week: str) -> str:
    return f"{kind}:{channel_id}:{team_id or '-'}:{week}"


def dispatch_delivery(delivery_id: int) -> None:
    """Through the outbox: handed over once the row is committed, or by the drain once the
    broker is back."""
    enqueue("celery.task", {"task": DELIVER_TASK, "args": [delivery_id]})


# --- The tick --------------------------------------------------------------------------------


def due_builds(*, now: dt.datetime) -> list[tuple[int, str, str]]:
    """(team id, week, kind) whose slot has passed and that a following channel has not had
    yet (two queries whatever the number of teams and channels)."""
    channels = list(
        ChatChannel.objects.filter(team__isnull=False, active=True).select_related("team")
    )
    wanted: dict[tuple[int, str, str], list[str]] = {}
    for channel in channels:
        assert channel.team is not None
        for slot in due_slots(channel.team, now):
            if channel.wants(slot.kind) and slot.at >= channel.created_at:
                key = delivery_key(slot.kind, channel.pk, channel.team_id, slot.week)
                wanted.setdefault((channel.team.pk, slot.week, slot.kind), []).append(key)
    keys = [k for ks in wanted.values() for k in ks]
    done = set(
        ChatDelivery.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    return [job for job, ks in wanted.items() if any(k not in done for k in ks)]


def enqueue_due(*, now: dt.datetime, dispatch: BuildDispatch) -> int:
    builds = due_builds(now=now)
    for team_id, week, kind in builds:
        dispatch(team_id, week, kind)
    return len(builds)


# --- A team's reminder or digest -------------------------------------------------------------


def _claim(key: str, **fields: Any) -> ChatDelivery | None:
    """Create the delivery row under ``key`` and, when it has something to send, its outbox
    message in the same transaction; None if the row exists (another build made it)."""
    try:
        with transaction.atomic():
            delivery = ChatDelivery.objects.create(dedupe_key=key, **fields)
            if delivery.status == ChatDeliveryStatus.PENDING:
                dispatch_delivery(delivery.pk)
            return delivery
    except IntegrityError:
        return None


def build(team_id: int, week: str, kind: str, *, now: dt.datetime | None = None) -> list[int]:
    """Write the (channel, team, week, kind) rows still missing, and queue them. Returns the
    ids of the rows it created. Safe to call any number of times."""
    now = now or timezone.now()
    team = Team.objects.get(pk=team_id)
    # A channel connected after the slot gets the next one, not this one.
    due_at = slot_at(team, kind, week)
    channels = [
        c
        for c in ChatChannel.objects.filter(team=team, active=True)
        if c.wants(kind) and c.created_at <= due_at
    ]
    keys = {c.pk: delivery_key(kind, c.pk, team.pk, week) for c in channels}
    done = set(
        ChatDelivery.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    missing = [c for c in channels if keys[c.pk] not in done]
    if not missing:
        return []
    report: Digest | None = None
    note = ""
    if kind == JobKind.DIGEST:
        try:
            report = build_digest(team, week, now=now)
        except ValidationFailed as refusal:
            note = refusal.message
        else:
            if report.is_empty:
                note = "Nothing to report: no active initiative, nothing finished or overridden."
    created = []
    for channel in missing:
        if kind == JobKind.DIGEST:
            message = messages.digest_message(channel.kind, report) if report and not note else None
        else:
            message = messages.reminder_message(channel.kind, team, week)
            note = "" if message else "Every active initiative has its update."
        delivery = _claim(
            keys[channel.pk],
            channel=channel,
            team=team,
            kind=kind,
            week=week,
            payload=message.payload() if message else {},
            status=ChatDeliveryStatus.PENDING if message else ChatDeliveryStatus.SKIPPED,
            last_error=note,
        )
        if delivery is not None and message is not None:
            created.append(delivery.pk)
    return created


# --- Other subjects' weekly reminders ---------------------------------------------------------

# The weekly jobs of other subjects (``weekly.jobs.register_job``) a channel can follow, by
# job kind: nothing of theirs is imported, they hand over a ``weekly.jobs.Listing``.
JOB_MESSAGES: dict[str, str] = {JobKind.KR_CHECKIN: MessageKind.KR_REMINDER}


def post_listing(job: ExtraJob, team: Team, week: str) -> list[int]:
    """A weekly job hook: the job's listing to each channel of ``team`` that chose its
    message, one row per (channel, team, week, kind) as the reminder's (a rerun of the job
    finds the rows and queues nothing; nothing waiting keeps the row as skipped). Channels
    connected after the slot get the next one. Returns the ids of the rows queued."""
    kind = JOB_MESSAGES.get(job.kind)
    if kind is None or job.listing is None:
        return []
    channels = [c for c in ChatChannel.objects.filter(team=team, active=True) if c.wants(kind)]
    if not channels:
        return []
    keys = {c.pk: delivery_key(kind, c.pk, team.pk, week) for c in channels}
    done = set(
        ChatDelivery.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    missing = [c for c in channels if keys[c.pk] not in done]
    if not missing:
        return []
    listing = job.listing(team, week)
    created = []
    for channel in missing:
        if listing is not None and channel.created_at > listing.at:
            continue
        message = messages.listing_message(channel.kind, listing) if listing else None
        delivery = _claim(
            keys[channel.pk],
            channel=channel,
            team=team,
            kind=kind,
            week=week,
            payload=message.payload() if message else {},
            status=ChatDeliveryStatus.PENDING if message else ChatDeliveryStatus.SKIPPED,
            last_error="" if message else "Nothing waiting this week.",
        )
        if delivery is not None and message is not None:
            created.append(delivery.pk)
    return created


register_job_hook(post_listing)


# --- The cross-team digest -------------------------------------------------------------------


def cross_team_slot(subscription: CrossTeamDigest, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The latest slot of the subscription at or before ``now`` (its weekday and time in its
    time zone) and the week it reports on: the week before the slot's."""
    tz = zoneinfo.ZoneInfo(subscription.time_zone)
    local = timezone.localtime(now, tz).date()
    day = local - dt.timedelta(days=(local.weekday() - subscription.weekday) % 7)
    at = _aware(dt.datetime.combine(day, subscription.at), tz)
    if at > now:
        day -= dt.timedelta(weeks=1)
        at = _aware(dt.datetime.combine(day, subscription.at), tz)
    return shift_week(iso_week(day), -1), at


def cross_team_keys(subscription: CrossTeamDigest, week: str) -> list[str]:
    keys = []
    if subscription.by_email:
        keys.append(f"cross_team_email:{subscription.pk}:{week}")
    if subscription.channel_id:
        keys.append(delivery_key(MessageKind.CROSS_TEAM, subscription.channel_id, None, week))
    return keys


def due_cross_team(*, now: dt.datetime) -> list[tuple[int, str]]:
    subscriptions = list(CrossTeamDigest.objects.filter(active=True))
    wanted: dict[tuple[int, str], list[str]] = {}
    for subscription in subscriptions:
        week, at = cross_team_slot(subscription, now)
        if at >= subscription.created_at:
            wanted[(subscription.pk, week)] = cross_team_keys(subscription, week)
    keys = [k for ks in wanted.values() for k in ks]
    done = set(
        ChatDelivery.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    return [job for job, ks in wanted.items() if any(k not in done for k in ks)]


def cross_team_digests(subscription: CrossTeamDigest, week: str, now: dt.datetime) -> list[Digest]:
    """The digests of the subscribed teams the person still belongs to, for ``week`` (a team
    whose week is refused, or with nothing to say, is left out)."""
    teams = subscription.teams.filter(
        pk__in=Membership.objects.filter(user_id=subscription.user_id).values("team_id")
    ).order_by("key")
    digests = []
    for team in teams:
        try:
            report = build_digest(team, week, now=now)
        except ValidationFailed:
            continue
        if not report.is_empty:
            digests.append(report)
    return digests


def build_cross_team(
    subscription_id: int, week: str, *, now: dt.datetime | None = None
) -> list[int]:
    now = now or timezone.now()
    subscription = (
        CrossTeamDigest.objects.select_related("user", "channel")
        .filter(pk=subscription_id, active=True)
        .first()
    )
    if subscription is None:
        return []
    keys = cross_team_keys(subscription, week)
    done = set(
        ChatDelivery.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    if all(k in done for k in keys):
        return []
    digests = cross_team_digests(subscription, week, now)
    note = "" if digests else "Nothing to report in any of the teams."
    created = []
    channel = subscription.channel
    for key in keys:
        if key in done:
            continue
        fields: dict[str, Any] = {
            "kind": MessageKind.CROSS_TEAM,
            "week": week,
            "subscription": subscription,
        }
        if key.startswith("cross_team_email:"):
            subject, text = messages.cross_team_text(digests, week)
            fields.update(email=subscription.user.email, payload={"subject": subject, "text": text})
        else:
            assert channel is not None
            payload = messages.cross_team_digest(channel.kind, digests, week).payload()
            fields.update(channel=channel, payload=payload)
        if note:
            fields.update(payload={}, status=ChatDeliveryStatus.SKIPPED, last_error=note)
        delivery = _claim(key, **fields)
        if delivery is not None and not note:
            created.append(delivery.pk)
    return created
