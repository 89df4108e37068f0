"""Dates as people read them: "1 Jun" this year, "1 Jun 2025" in any other year, so that a
date from last year or next year is never mistaken for one of this year.

``{% load dates %}`` then ``{{ milestone.due_date|day }}``, ``{{ event.created_at|weekday }}``
(``Mon 1 Jun``); the current year is today's in the active time zone, or the year of the date
given as the argument (``{{ m.due_date|day:digest.today }}``: the digest's own today).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from initiatives.rules.dates import day_label

register = template.Library()


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _show(value: dt.date | dt.datetime | None, today: dt.date | None, short: str) -> str:
    if value is None or value == "":
        return ""
    return day_label(_as_date(value), today or timezone.localdate(), short)


@register.filter
def day(value: dt.date | dt.datetime | None, today: dt.date | None = None) -> str:
    """``1 Jun``, or ``1 Jun 2025`` outside the current year."""
    return _show(value, today, "j M")


@register.filter
def weekday(value: dt.date | dt.datetime | None, today: dt.date | None = None) -> str:
    """``Mon 1 Jun``, or ``Mon 1 Jun 2025`` outside the current year."""
    return _show(value, today, "D j M")
