"""When things happen in intake: the triage slot and the on-call rotation, pure functions of
a team's settings and a moment (no queries).

Both are weekly wall-clock times in the team's time zone (``weekly.schedule.local_moment``),
so they stay at 10:00 local across a DST change. The rotation counts weeks by calendar (the
Monday of each shift's week), never by 7 times 24 hours: a shift that spans a DST change is an
hour shorter or longer, and the next person still takes over at the same local time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from initiatives.intake.models import IntakeSettings
from initiatives.rules.workflow import iso_week, parse_iso_week, shift_week
from initiatives.weekly.schedule import local_moment


def _tz(settings: IntakeSettings):
    return settings.team.tz


def _local_week(settings: IntakeSettings, moment: dt.datetime) -> str:
    return iso_week(timezone.localtime(moment, _tz(settings)).date())


def triage_slot_at(settings: IntakeSettings, week: str) -> dt.datetime:
    day = parse_iso_week(week) + dt.timedelta(days=settings.triage_weekday)
    return local_moment(day, settings.triage_time, _tz(settings))


def latest_triage_slot(settings: IntakeSettings, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The week and moment of the latest triage slot at or before ``now``."""
    week = _local_week(settings, now)
    at = triage_slot_at(settings, week)
    if at > now:
        week = shift_week(week, -1)
        at = triage_slot_at(settings, week)
    return week, at


def next_triage_slot(settings: IntakeSettings, now: dt.datetime) -> dt.datetime:
    week, _ = latest_triage_slot(settings, now)
    return triage_slot_at(settings, shift_week(week, 1))


def handover_at(settings: IntakeSettings, week: str) -> dt.datetime:
    day = parse_iso_week(week) + dt.timedelta(days=settings.handover_weekday)
    return local_moment(day, settings.handover_time, _tz(settings))


def shift_week_of(settings: IntakeSettings, moment: dt.datetime) -> str:
    """The week whose hand-over began the shift ``moment`` falls in."""
    week = _local_week(settings, moment)
    if handover_at(settings, week) > moment:
        week = shift_week(week, -1)
    return week


def rotation_start_week(settings: IntakeSettings) -> str:
    start = settings.rotation_start or dt.date(2026, 1, 5)
    return iso_week(start)


@dataclass(frozen=True)
class Override:
    user_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class OnCall:
    """Who is on call at a moment, and whether an override put them there."""

    user_id: int | None
    shift_starts: dt.datetime
    shift_ends: dt.datetime
    overridden: bool = False


def rota_user(settings: IntakeSettings, members: Sequence[int], week: str) -> int | None:
    """The rotation's person for the shift that starts in ``week`` (no overrides)."""
    if not members:
        return None
    weeks = (parse_iso_week(week) - parse_iso_week(rotation_start_week(settings))).days // 7
    return members[weeks % len(members)]


def on_call(
    settings: IntakeSettings,
    members: Sequence[int],
    overrides: Sequence[Override],
    moment: dt.datetime,
) -> OnCall:
    """Who is on call at ``moment``: the newest override covering it, else the rotation's
    person for the shift it falls in (``members`` in rotation order)."""
    week = shift_week_of(settings, moment)
    starts, ends = handover_at(settings, week), handover_at(settings, shift_week(week, 1))
    covering = [o for o in overrides if o.starts_at <= moment < o.ends_at]
    if covering:
        override = covering[-1]
        return OnCall(override.user_id, override.starts_at, override.ends_at, overridden=True)
    return OnCall(rota_user(settings, members, week), starts, ends)


def upcoming_shifts(
    settings: IntakeSettings,
    members: Sequence[int],
    overrides: Sequence[Override],
    now: dt.datetime,
    count: int,
) -> list[OnCall]:
    """The current shift and the ``count - 1`` after it, each as its on-call person at the
    shift's start (an override covering the start wins)."""
    week = shift_week_of(settings, now)
    shifts = []
    for _ in range(count):
        starts = handover_at(settings, week)
        covering = [o for o in overrides if o.starts_at <= max(starts, now) < o.ends_at]
        nxt = shift_week(week, 1)
        user = covering[-1].user_id if covering else rota_user(settings, members, week)
        shifts.append(OnCall(user, starts, handover_at(settings, nxt), overridden=bool(covering)))
        week = nxt
    return shifts
