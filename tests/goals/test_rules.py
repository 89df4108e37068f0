"""Progress of results and the bands of monitors, pure (``goals.rules``)."""

import datetime as dt

import pytest

from initiatives.goals import rules
from initiatives.goals.models import Direction, KRKind


def progress(direction, baseline, target, value):
    return rules.progress(
        kind=KRKind.RESULT, direction=direction, baseline=baseline, target=target, value=value
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(80, 0), (87.5, 50), (95, 100), (99, 100), (70, 0), (None, None)],
)
def test_progress_of_an_increase_sits_between_baseline_and_target_clamped(value, expected):
    assert progress(Direction.INCREASE, 80, 95, value) == expected


@pytest.mark.parametrize(("value", "expected"), [(30, 0), (17.5, 50), (5, 100), (1, 100), (40, 0)])
def test_progress_of_a_decrease(value, expected):
    # Recovery time from 30 minutes down to 5.
    assert progress(Direction.DECREASE, 30, 5, value) == expected


def test_a_band_has_no_progress():
    assert progress(Direction.BAND, 0, None, 5) is None


@pytest.mark.parametrize(
    ("value", "healthy"), [(59.9, False), (60, True), (80, True), (100, True), (100.1, False)]
)
def test_a_band_monitor_is_healthy_inside_its_band_ends_included(value, healthy):
    assert (
        rules.is_healthy(
            direction=Direction.BAND, target=None, band_low=60, band_high=100, value=value
        )
        is healthy
    )


@pytest.mark.parametrize(
    ("direction", "value", "healthy"),
    [
        (Direction.INCREASE, 99.95, True),
        (Direction.INCREASE, 99.9, True),
        (Direction.INCREASE, 99.5, False),
        (Direction.DECREASE, 4, True),
        (Direction.DECREASE, 6, False),
    ],
)
def test_a_threshold_monitor(direction, value, healthy):
    target = 99.9 if direction == Direction.INCREASE else 5
    assert (
        rules.is_healthy(
            direction=direction, target=target, band_low=None, band_high=None, value=value
        )
        is healthy
    )


def standing(**kwargs):
    base = {
        "kind": KRKind.RESULT, "direction": Direction.INCREASE, "baseline": 0.0, "target": 100.0,
        "band_low": None, "band_high": None, "value": None, "confidence": None, "level": "",
        "starts_on": dt.date(2026, 10, 1), "ends_on": dt.date(2026, 12, 31),
        "today": dt.date(2026, 11, 15),
    }  # fmt: skip
    return rules.standing(**{**base, **kwargs})


def test_standing_of_results_and_monitors():
    assert standing().code == rules.NO_CHECK_IN
    # Half the period gone (49 %): 45 % done is on track, 30 % is behind.
    assert standing(value=45).code == rules.ON_TRACK
    assert standing(value=30).code == rules.BEHIND
    assert standing(value=45, level="at_risk").code == rules.AT_RISK
    assert standing(value=45, confidence=20).code == rules.OFF_TRACK
    assert standing(value=100, level="").progress == 100
    band = {
        "kind": KRKind.MONITOR,
        "direction": Direction.BAND,
        "band_low": 60.0,
        "band_high": 100.0,
    }
    assert standing(value=70, **band).code == rules.HEALTHY
    out = standing(value=50, **band)
    assert (out.code, out.healthy, out.progress, out.health) == (
        rules.OUT_OF_BAND,
        False,
        None,
        "off_track",
    )


def test_measure_errors():
    ok = {"kind": KRKind.RESULT, "direction": Direction.INCREASE, "baseline": 1.0,
          "target": 2.0, "band_low": None, "band_high": None}  # fmt: skip
    assert rules.measure_errors(**ok) == {}
    assert "target" in rules.measure_errors(**{**ok, "target": 0.5})
    assert "target" in rules.measure_errors(**{**ok, "direction": Direction.DECREASE})
    assert "target" in rules.measure_errors(**{**ok, "target": None})
    assert "direction" in rules.measure_errors(**{**ok, "direction": Direction.BAND})
    monitor = {**ok, "kind": KRKind.MONITOR, "direction": Direction.BAND, "target": None}
    assert "band_low" in rules.measure_errors(**monitor)
    assert "band_high" in rules.measure_errors(**{**monitor, "band_low": 5.0, "band_high": 1.0})
    assert rules.measure_errors(**{**monitor, "band_low": 1.0, "band_high": 1.0}) == {}
    assert "baseline" in rules.measure_errors(**{**ok, "baseline": 1e13})
