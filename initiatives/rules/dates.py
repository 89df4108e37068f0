"""Dates: a team's "today", which delivery-date changes are slips and which are pull-ins, and
the refusal of dates in the past.

Pure: no queries. ``selectors.portfolio`` states the same classification in SQL (``SLIP_Q``,
``PULL_IN_Q``) for the figures it sums in the database; a test checks that the two agree.

- *Today* is the date in the team's time zone: "overdue" (``workflow.due_status``) is judged
  against it on every page, in the digest and in the API.
- A change of a milestone's delivery date made **after the milestone started** is a *slip*
  when the new date is later and a *pull-in* when it is earlier; the two are counted apart and
  their sum is the *net drift*. A change made before the milestone started is planning: it is
  kept in the history but counts as neither (moving a date while scoping is not a slip).
- A new milestone, a new delivery date or a target date may not lie in the past, unless an
  engineering manager imports history (``backfill``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone
from django.utils.dateformat import format as format_date

from initiatives.rules.exceptions import NotAllowed, ValidationFailed

SLIP = "slip"
PULL_IN = "pull_in"
PLANNING = "planning"
# The kinds of a date change, as (value, label) choices (the API's ``DateChangeKindEnum``).
DATE_CHANGE_KINDS = [(SLIP, "slip"), (PULL_IN, "pull-in"), (PLANNING, "planning")]


def team_today(tz: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    """The date of ``now`` (default: now) in the time zone ``tz`` of a team."""
    return timezone.localtime(now or timezone.now(), tz).date()


def day_label(day: dt.date, today: dt.date, short: str = "j M") -> str:
    """``day`` in Django's date format ``short`` ("1 Jun"), with the year appended when it is
    not ``today``'s year ("1 Jun 2025"): a date of another year is never mistaken for one of
    this year."""
    return format_date(day, short if day.year == today.year else f"{short} Y")


def change_kind(
    *, old: dt.date, new: dt.date, changed_at: dt.datetime, started_at: dt.datetime | None
) -> str:
    """``SLIP``, ``PULL_IN`` or ``PLANNING`` for a delivery date moved from ``old`` to
    ``new`` at ``changed_at`` on a milestone that started at ``started_at`` (None: not yet)."""
    if started_at is None or changed_at < started_at or new == old:
        return PLANNING
    return SLIP if new > old else PULL_IN


class DateChange(Protocol):
    """A recorded change of a delivery date (a ``MilestoneSlip``)."""

    @property
    def old_date(self) -> dt.date: ...
    @property
    def new_date(self) -> dt.date: ...
    @property
    def created_at(self) -> dt.datetime: ...


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


@dataclass(frozen=True, slots=True)
class DateMoves:
    """The slips and pull-ins of one milestone (or summed over several)."""

    slips: int = 0
    slip_days: int = 0  # >= 0
    pull_ins: int = 0
    pull_in_days: int = 0  # >= 0: how many days earlier in all
    committed: dt.date | None = None  # the date when it started: before its first counted move

    @property
    def net_days(self) -> int:
        """Net drift: days later (positive) or earlier (negative) than when it started."""
        return self.slip_days - self.pull_in_days

    @property
    def moved(self) -> bool:
        return bool(self.slips or self.pull_ins)

    @property
    def summary(self) -> str:
        """``slipped 2 times (+9 days), pulled in once (-3 days), net +6 days``; "" when it
        never moved after it started."""
        parts = []
        if self.slips:
            parts.append(f"slipped {_times(self.slips)} (+{self.slip_days} days)")
        if self.pull_ins:
            parts.append(f"pulled in {_times(self.pull_ins)} (-{self.pull_in_days} days)")
        if len(parts) == 2:
            parts.append(f"net {self.net_days:+d} days")
        return ", ".join(parts)

    def __add__(self, other: DateMoves) -> DateMoves:
        return DateMoves(
            slips=self.slips + other.slips,
            slip_days=self.slip_days + other.slip_days,
            pull_ins=self.pull_ins + other.pull_ins,
            pull_in_days=self.pull_in_days + other.pull_in_days,
            committed=self.committed or other.committed,
        )


def date_moves(changes: Iterable[DateChange], started_at: dt.datetime | None) -> DateMoves:
    """The slips and pull-ins among ``changes`` (oldest first) of a milestone that started at
    ``started_at``."""
    slips = slip_days = pull_ins = pull_in_days = 0
    committed = None
    for change in changes:
        kind = change_kind(
            old=change.old_date,
            new=change.new_date,
            changed_at=change.created_at,
            started_at=started_at,
        )
        if kind == PLANNING:
            continue
        committed = committed or change.old_date
        moved = abs((change.new_date - change.old_date).days)
        if kind == SLIP:
            slips, slip_days = slips + 1, slip_days + moved
        else:
            pull_ins, pull_in_days = pull_ins + 1, pull_in_days + moved
    return DateMoves(slips, slip_days, pull_ins, pull_in_days, committed)


def refuse_past_date(
    field: str, day: dt.date | None, today: dt.date, *, backfill: bool, is_em: bool
) -> None:
    """ValidationFailed (``date_in_past``) for a ``day`` before the team's ``today`` unless
    ``backfill`` is asked for; NotAllowed when someone other than an EM asks for it."""
    if backfill and not is_em:
        raise NotAllowed(
            "Only an engineering manager can import past dates (backfill).",
            code="backfill_not_allowed",
        )
    if day is None or backfill or day >= today:
        return
    message = f"{day:%-d %b %Y} is in the past (today is {today:%-d %b %Y} for the team)."
    raise ValidationFailed(message, fields={field: [message]}, code="date_in_past")
