"""When the weekly jobs are due: pure functions of a team's schedule and a moment (no queries).

A team has two slots a week in its own time zone: the reminder (default Thursday 10:00) asks
DRIs for *that* week's update; the digest (default Monday 09:00) reports on the week *just
ended*. A job is keyed by the week it is about, so the digest sent on Monday of 2026-W48 is the
2026-W47 digest.

The tick looks at the latest slot that has passed and, to catch up one week missed while
everything was down, the slot before it. Slots before the team existed are never due, nor are
reminders for a week whose update can no longer be posted.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from initiatives.models import JobKind, Team
from initiatives.rules.exceptions import ValidationFailed
from initiatives.rules.workflow import iso_week, parse_iso_week, shift_week, weeks_between
from initiatives.services.updates import BACKFILL_WEEKS

# How many missed slots before the latest one the tick still catches up.
CATCH_UP_WEEKS = 1


@dataclass(frozen=True)
class Slot:
    kind: str
    week: str  # the week the job is about
    at: dt.datetime  # when it is due (aware)


def slot_at(team: Team, kind: str, week: str) -> dt.datetime:
    """The moment the ``kind`` job about ``week`` is due, as an aware datetime.

    The wall-clock time is read in the team's time zone on the slot's day, so the slot stays
    at 10:00 local across a DST change. A wall-clock time that does not exist that day (in the
    spring-forward gap) is moved forward by the gap (02:30 becomes 03:30); an ambiguous one
    (the autumn repeat) is its first occurrence."""
    if kind == JobKind.REMINDER:
        day = parse_iso_week(week) + dt.timedelta(days=team.reminder_weekday)
        at = team.reminder_time
    else:
        day = parse_iso_week(shift_week(week, 1)) + dt.timedelta(days=team.digest_weekday)
        at = team.digest_time
    return _aware(dt.datetime.combine(day, at), team.tz)


def local_moment(day: dt.date, at: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """``at`` o'clock on ``day`` in ``tz``, as an aware datetime in UTC, with the same DST
    handling as the weekly slots (other subjects' weekly slots: intake's triage slot and
    on-call hand-over)."""
    return _aware(dt.datetime.combine(day, at), tz)


def _aware(local: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    first = local.replace(tzinfo=tz, fold=0)
    # In a spring-forward gap neither fold round-trips; the later instant is the wall-clock
    # time shifted forward by the gap.
    second = local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        roundtrip = first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
        if roundtrip != local:
            return max(first.astimezone(dt.UTC), second.astimezone(dt.UTC))
    return first.astimezone(dt.UTC)


def local_week(team: Team, now: dt.datetime) -> str:
    return iso_week(timezone.localtime(now, team.tz).date())


def latest_week(team: Team, kind: str, now: dt.datetime) -> str:
    """The week whose ``kind`` slot is the latest one at or before ``now``."""
    week = local_week(team, now)
    if kind == JobKind.DIGEST:
        week = shift_week(week, -1)
    if slot_at(team, kind, week) > now:
        week = shift_week(week, -1)
    return week


def due_slots(team: Team, now: dt.datetime, *, catch_up: int = CATCH_UP_WEEKS) -> list[Slot]:
    """The slots of ``team`` that have passed at ``now`` and that the tick should make sure
    have run: the latest of each kind and up to ``catch_up`` before it, oldest first."""
    current = local_week(team, now)
    slots = []
    for kind in (JobKind.REMINDER, JobKind.DIGEST):
        latest = latest_week(team, kind, now)
        for back in range(catch_up, -1, -1):
            week = shift_week(latest, -back)
            at = slot_at(team, kind, week)
            if team.created_at and at < team.created_at:
                continue
            if kind == JobKind.REMINDER and weeks_between(week, current) > BACKFILL_WEEKS:
                continue  # its update can no longer be posted: a reminder would be noise
            slots.append(Slot(kind=kind, week=week, at=at))
    return sorted(slots, key=lambda slot: slot.at)


def last_ended_week(team: Team, now: dt.datetime) -> str:
    """The latest week that has ended at ``now`` in the team's time zone (the default week of
    the web preview and of ``send_digest``)."""
    return shift_week(local_week(team, now), -1)


def check_digest_week(
    team: Team, week: str, now: dt.datetime, *, existed_since: dt.datetime | None = None
) -> None:
    """ValidationFailed unless ``week`` is an ISO week that has ended at ``now`` (in the
    team's time zone) and during which the team already existed -- since ``existed_since``
    (``selectors.team_existed_since``: imported history counts), default its creation: a
    digest reports on a whole week, as it was (``week_not_ended``, ``week_before_team``;
    ``invalid`` for what is not a week at all)."""
    until = week_bounds(team, week)[1]
    if until > now:
        message = (
            f"The week {week} has not ended yet: its digest can be read from "
            f"{timezone.localtime(until, team.tz):%A %-d %B %Y}."
        )
        raise ValidationFailed(message, fields={"week": [message]}, code="week_not_ended")
    since = existed_since or team.created_at
    if since and until <= since:
        created = timezone.localtime(since, team.tz)
        message = (
            f"{team.key} did not exist yet in {week} (its history starts {created:%-d %B %Y})."
        )
        raise ValidationFailed(message, fields={"week": [message]}, code="week_before_team")


def week_bounds(team: Team, week: str) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 of ``week`` and of the week after, in the team's time zone."""
    monday = parse_iso_week(week)
    return (
        _aware(dt.datetime.combine(monday, dt.time()), team.tz),
        _aware(dt.datetime.combine(monday + dt.timedelta(weeks=1), dt.time()), team.tz),
    )
