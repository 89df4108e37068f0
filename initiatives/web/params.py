"""Typed values from the web's query strings and forms, read in one way: a value that is
there but cannot be used (``"²"``, 5,000 digits, a week past year 9998) is refused with 400
naming it (``BadParameter``) instead of reaching ``int()``, a date or a query. An absent or
empty value is the caller's default."""

from __future__ import annotations

import re

from django.http import QueryDict

from initiatives.rules.exceptions import ValidationFailed
from initiatives.rules.workflow import parse_iso_week
from tracker.request_checks import BadParameter

# ASCII digits only: str.isdigit() is also true for "²", which int() refuses.
_NUMBER = re.compile(r"[0-9]{1,18}")
_WEEK = re.compile(r"[0-9]{4}-W[0-9]{2}")
MAX_INT = 2**63 - 1
# Weeks whose neighbours and 12-week histories are still dates (datetime stops at year 9999).
WEEK_YEARS = range(1970, 9999)


def positive_int(values: QueryDict, name: str, default: int | None = None) -> int | None:
    """``values[name]`` as an integer from 1 to a 64-bit id's maximum."""
    raw = values.get(name, "")
    if raw == "":
        return default
    if not _NUMBER.fullmatch(raw) or not 0 < int(raw) <= MAX_INT:
        raise BadParameter(name, f"“{name}” must be a whole number from 1.")
    return int(raw)


def iso_week(values: QueryDict, name: str, default: str | None = None) -> str | None:
    """``values[name]`` as an ISO week (``2026-W47``) within WEEK_YEARS."""
    raw = values.get(name, "")
    if raw == "":
        return default
    message = f"“{name}” must be a week written like 2026-W47."
    if not _WEEK.fullmatch(raw) or int(raw[:4]) not in WEEK_YEARS:
        raise BadParameter(name, message)
    try:
        parse_iso_week(raw)  # 2026-W54 has the right shape but is no week
    except ValidationFailed:
        raise BadParameter(name, message) from None
    return raw
