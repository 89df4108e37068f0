"""The rules of goals and key results, pure (no queries): what a measure must say, where a
value stands (progress between baseline and target, a monitor inside its band), what counts as
behind, and who may do what. Services, selectors, the digest and the pages use these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from initiatives.goals.models import Direction, KRKind, Period
from initiatives.models import Health
from initiatives.rules.permissions import Actor

# A result is "behind" when its progress trails the share of its goal's period that has
# passed by more than this many points.
BEHIND_MARGIN = 10
# A confidence below this (percent) reads as off track, below AT_RISK_BELOW as at risk.
OFF_TRACK_BELOW = 40
AT_RISK_BELOW = 70
# Values are bounded (the API's schema says so too): far beyond any measure people track.
VALUE_LIMIT = 1e12
# How long a period is, in months (the default end date of a new goal).
PERIOD_MONTHS = {Period.QUARTER: 3, Period.HALF: 6}


# --- Who may do what -------------------------------------------------------------------------


def can_edit_goals(actor: Actor) -> bool:
    """Create and edit the team's goals and key results: its contributors (not viewers)."""
    return actor.is_contributor


def can_check_in(actor: Actor, owner_id: int | None) -> bool:
    """Check in a key result: its owner (a contributor of the goal's team) or an EM."""
    return actor.is_contributor and (actor.user.pk == owner_id or actor.is_em)


# --- Measures --------------------------------------------------------------------------------


def measure_errors(
    *,
    kind: str,
    direction: str,
    baseline: float,
    target: float | None,
    band_low: float | None,
    band_high: float | None,
) -> dict[str, list[str]]:
    """What is wrong with a measure, by field: a result moves (increase or decrease) towards
    a target different from its baseline; a monitor either stays within a band (low <= high)
    or on the right side of its target."""
    errors: dict[str, list[str]] = {}
    for name, value in (
        ("baseline", baseline),
        ("target", target),
        ("band_low", band_low),
        ("band_high", band_high),
    ):
        if value is not None and not -VALUE_LIMIT <= value <= VALUE_LIMIT:
            errors[name] = [f"At most {VALUE_LIMIT:g} either way."]
    if errors:
        return errors
    if direction == Direction.BAND:
        if kind != KRKind.MONITOR:
            errors["direction"] = [
                "Only a monitor stays within a band; a result increases or decreases."
            ]
        elif band_low is None or band_high is None:
            message = "A band needs its low and its high."
            errors["band_low" if band_low is None else "band_high"] = [message]
        elif band_low > band_high:
            errors["band_high"] = ["The band's high must not be below its low."]
        return errors
    if target is None:
        errors["target"] = ["A target is needed (or, for a monitor, a band)."]
    elif kind == KRKind.RESULT:
        if direction == Direction.INCREASE and target <= baseline:
            errors["target"] = ["To increase, the target must be above the baseline."]
        elif direction == Direction.DECREASE and target >= baseline:
            errors["target"] = ["To decrease, the target must be below the baseline."]
    return errors


def progress(
    *, kind: str, direction: str, baseline: float, target: float | None, value: float | None
) -> int | None:
    """Where ``value`` sits between the baseline (0 %) and the target (100 %), clamped to
    0-100; None for a monitor within a band, or without a value or target."""
    if value is None or target is None or direction == Direction.BAND:
        return None
    span = target - baseline
    if span == 0:
        reached = value >= target if direction == Direction.INCREASE else value <= target
        return 100 if reached else 0
    share = (value - baseline) / span
    return round(min(max(share, 0.0), 1.0) * 100)


def is_healthy(
    *,
    direction: str,
    target: float | None,
    band_low: float | None,
    band_high: float | None,
    value: float | None,
) -> bool | None:
    """A monitor is healthy while its value is inside its band (both ends included), or at or
    past its target in its direction (``>= 99.9`` uptime, ``<= 5`` minutes to recover);
    None without a value."""
    if value is None:
        return None
    if direction == Direction.BAND:
        if band_low is None or band_high is None:
            return None
        return band_low <= value <= band_high
    if target is None:
        return None
    return value >= target if direction == Direction.INCREASE else value <= target


def expected_progress(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> int:
    """The share of the period that has passed on ``today``, in percent (0 before it starts,
    100 after it ends): where a result moving at an even pace would be."""
    total = (ends_on - starts_on).days
    if total <= 0:
        return 100
    done = (today - starts_on).days
    return round(min(max(done / total, 0.0), 1.0) * 100)


def confidence_level(percent: int | None, level: str) -> str:
    """The confidence of a check-in as on track / at risk / off track: the level given, else
    the percentage read through ``OFF_TRACK_BELOW`` / ``AT_RISK_BELOW``; "" for neither."""
    if level:
        return level
    if percent is None:
        return ""
    if percent < OFF_TRACK_BELOW:
        return Health.OFF_TRACK
    if percent < AT_RISK_BELOW:
        return Health.AT_RISK
    return Health.ON_TRACK


# How a key result stands, worst first (the digest's order).
OFF_TRACK = "off_track"
OUT_OF_BAND = "out_of_band"
BEHIND = "behind"
AT_RISK = "at_risk"
NO_CHECK_IN = "no_check_in"
ON_TRACK = "on_track"
HEALTHY = "healthy"
STANDING_ORDER = (OFF_TRACK, OUT_OF_BAND, BEHIND, AT_RISK, NO_CHECK_IN, ON_TRACK, HEALTHY)
STANDING_LABEL = {
    OFF_TRACK: "Off track",
    OUT_OF_BAND: "Out of band",
    BEHIND: "Behind",
    AT_RISK: "At risk",
    NO_CHECK_IN: "No check-in yet",
    ON_TRACK: "On track",
    HEALTHY: "Healthy",
}
STANDING_HEALTH = {
    OFF_TRACK: Health.OFF_TRACK,
    OUT_OF_BAND: Health.OFF_TRACK,
    BEHIND: Health.AT_RISK,
    AT_RISK: Health.AT_RISK,
    NO_CHECK_IN: "",
    ON_TRACK: Health.ON_TRACK,
    HEALTHY: Health.ON_TRACK,
}
NEEDS_ATTENTION = frozenset({OFF_TRACK, OUT_OF_BAND, BEHIND, AT_RISK})


@dataclass(frozen=True)
class Standing:
    code: str
    progress: int | None  # results: 0-100
    healthy: bool | None  # monitors
    expected: int  # where an even pace would be, percent

    @property
    def label(self) -> str:
        return STANDING_LABEL[self.code]

    @property
    def rank(self) -> int:
        return STANDING_ORDER.index(self.code)

    @property
    def needs_attention(self) -> bool:
        return self.code in NEEDS_ATTENTION

    @property
    def health(self) -> str:
        """The health colour the standing shows with (red, yellow, green, none)."""
        return STANDING_HEALTH[self.code]


def standing(
    *,
    kind: str,
    direction: str,
    baseline: float,
    target: float | None,
    band_low: float | None,
    band_high: float | None,
    value: float | None,
    confidence: int | None,
    level: str,
    starts_on: dt.date,
    ends_on: dt.date,
    today: dt.date,
) -> Standing:
    """How a key result stands on ``today`` from its latest check-in (``value`` None: none).
    A monitor is healthy or out of band; a result is off track (its owner says so), behind
    (its progress trails the period by more than ``BEHIND_MARGIN`` points), at risk (its
    owner says so) or on track."""
    expected = expected_progress(starts_on, ends_on, today)
    done = progress(kind=kind, direction=direction, baseline=baseline, target=target, value=value)
    healthy = None
    if kind == KRKind.MONITOR:
        healthy = is_healthy(
            direction=direction, target=target, band_low=band_low, band_high=band_high, value=value
        )
        done = None
    if value is None:
        return Standing(NO_CHECK_IN, None, None, expected)
    said = confidence_level(confidence, level)
    if kind == KRKind.MONITOR:
        code = HEALTHY if healthy else OUT_OF_BAND
    elif said == Health.OFF_TRACK:
        code = OFF_TRACK
    elif done is not None and done < 100 and done + BEHIND_MARGIN < expected:
        code = BEHIND
    elif said == Health.AT_RISK:
        code = AT_RISK
    else:
        code = ON_TRACK
    return Standing(code, done, healthy, expected)
