"""The check-in chart: server-rendered SVG with every value as text, names escaped."""

import datetime as dt

from initiatives.goals.charts import check_in_chart
from initiatives.goals.models import CheckIn, Goal, KeyResult
from initiatives.goals.rules import standing
from initiatives.goals.selectors import KRRow


def row(kr, values):
    goal = Goal(title="G", starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 12, 31))
    checks = [CheckIn(week=f"2026-W{40 + i}", value=v) for i, v in enumerate(values)]
    latest = values[-1] if values else None
    week = checks[-1].week if checks else ""
    return KRRow(
        key_result=kr, goal=goal, latest_value=latest, latest_week=week,
        standing=standing(
            kind=kr.kind, direction=kr.direction, baseline=kr.baseline, target=kr.target,
            band_low=kr.band_low, band_high=kr.band_high, value=latest, confidence=None, level="",
            starts_on=goal.starts_on, ends_on=goal.ends_on, today=dt.date(2026, 11, 15),
        ),
        check_ins=checks,
    )  # fmt: skip


def test_a_result_chart_has_its_target_baseline_and_values_as_text():
    kr = KeyResult(title="<script>x</script>", kind="result", direction="increase", baseline=80,
                   target=95, unit=" %")  # fmt: skip
    svg = str(check_in_chart(row(kr, [81, 84.5, 90])))
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert "2026-W40: 81 %; 2026-W41: 84.5 %; 2026-W42: 90 %" in svg
    assert "target 95 %" in svg and "baseline 80 %" in svg and "<polyline" in svg


def test_a_band_monitor_chart_shades_its_band_and_marks_an_out_of_band_value():
    kr = KeyResult(title="Latest version", kind="monitor", direction="band", band_low=60,
                   band_high=100, unit=" %")  # fmt: skip
    svg = str(check_in_chart(row(kr, [70, 55])))
    assert "band 60 to 100 %" in svg and "<rect" in svg and "#cf222e" in svg
    empty = str(check_in_chart(row(kr, [])))
    assert "No check-ins yet" in empty
