"""What the dashboard's sections share: their windows and limits, date and number helpers,
and the plain-data form of a person and of an initiative."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from initiatives.models import Health, Initiative, State
from initiatives.selectors.initiatives import InitiativeRow

HEATMAP_WEEKS = 12
DRIFT_DAYS = 14
OVERRIDES_WINDOW_DAYS = 30
TIMELINE_DAYS = 91
TIMELINE_LOOKBACK_DAYS = 28  # so that overdue milestones show
FINISHED_MONTHS = 6
OVERRIDE_QUARTERS = 4
TOP_N = 5
# Every list of the page shows at most this many rows, worst first, with a count of the rest.
LIST_LIMIT = 10
# Rows of the heatmap and of the timeline, and of the initiatives table on the page (the CSV
# export and the API carry the whole table).
CHART_ROWS = 15
TABLE_LIMIT = 25
HEALTHS = ("on_track", "at_risk", "off_track")
# The healths the "red and yellow" list shows (sorted by ``portfolio.worst_first``).
RED_AND_YELLOW = (Health.OFF_TRACK, Health.AT_RISK)
TRANSITION_VERBS = ("initiative.created", "initiative.transitioned", "initiative.gate_overridden")
TIMED_STATES = (State.DISCOVERY, State.SCOPING, State.READY, State.IN_DELIVERY, State.PAUSED)

T = TypeVar("T")
# An activity event as ``summary._events`` reads it (a ``values()`` row).
Event = Mapping[str, Any]


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the quarter ``back`` quarters before the one holding ``day``."""
    index = day.year * 4 + (day.month - 1) // 3 - back
    return dt.date(index // 4, (index % 4) * 3 + 1, 1)


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def days(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def spread(values: list[float]) -> dict[str, float | int | None]:
    """Median and spread (quartiles, min, max) of durations in days."""
    if not values:
        return {"count": 0, "median": None, "p25": None, "p75": None, "min": None, "max": None}
    return {
        "count": len(values),
        "median": round(percentile(values, 0.5), 1),
        "p25": round(percentile(values, 0.25), 1),
        "p75": round(percentile(values, 0.75), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


@dataclass(frozen=True)
class PersonRef:
    username: str
    first_name: str
    last_name: str

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def bounded(items: Iterable[T], limit: int | None) -> list[T]:
    return list(items) if limit is None else list(items)[:limit]


def person(user) -> dict[str, Any]:
    if user is None:
        return {"username": "", "name": "Unassigned"}
    return {"username": user.username, "name": user.get_full_name() or user.username}


_SAMPLE_KEY = "ZZSAMPLE-999999999"


@functools.lru_cache(maxsize=64)
def _url_pattern(name: str, prefix: str, urlconf: Any) -> str | None:
    try:
        url = reverse(name, kwargs={"key": _SAMPLE_KEY})
    except NoReverseMatch:
        return None
    return url if url.count(_SAMPLE_KEY) == 1 else None


def initiative_url(key: str, name: str = "initiative-detail") -> str:
    """The web page of initiative ``key`` (a plain path if the web UI names it otherwise).

    Reversed once per URL name (script prefix and URLconf), then filled in: a dashboard lists
    hundreds of initiatives, and a key (letters, digits, one dash) needs no quoting."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pattern = _url_pattern(name, get_script_prefix(), urlconf)
    if pattern is None:
        try:
            return reverse(name, kwargs={"key": key})
        except NoReverseMatch:
            return f"/i/{key}/"
    return pattern.replace(_SAMPLE_KEY, key)


def brief(row: Initiative | InitiativeRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "url": initiative_url(row.key),
        "title": row.title,
        "team": row.team.key,
        "state": row.state,
        "health": row.health or None,
        "dri": person(row.dri),
    }
