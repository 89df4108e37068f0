"""A key result's check-ins against its target, as a small server-rendered SVG: the same
approach and helpers as the dashboard's charts (``dashboard.charts``): no JavaScript, every
value also written as text in the chart's description and on its points' titles."""

from __future__ import annotations

from django.utils.safestring import SafeString

from initiatives.dashboard.charts import BLUE, GREEN, GREY, INK, MUTED, RED, _h, _svg
from initiatives.goals.selectors import KRRow

WIDTH, HEIGHT = 420, 150
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 10, 26


def check_in_chart(row: KRRow) -> SafeString:
    """The key result's check-ins, oldest first, with its target line (a result's or a
    threshold monitor's) or its band (a band monitor's) and, for a result, its baseline."""
    kr = row.key_result
    unit = kr.unit
    points = [(c.week, c.value) for c in row.check_ins]
    marks = [v for _, v in points]
    for extra in (kr.target, kr.band_low, kr.band_high):
        if extra is not None:
            marks.append(extra)
    if kr.kind == "result":
        marks.append(kr.baseline)
    low, high = (min(marks), max(marks)) if marks else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + inner_h * (1 - (value - low) / (high - low))

    def x(index: int) -> float:
        if len(points) <= 1:
            return LEFT + inner_w / 2
        return LEFT + inner_w * index / (len(points) - 1)

    parts = [
        _h('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>', float(LEFT),
           float(TOP + inner_h), float(WIDTH - RIGHT), float(TOP + inner_h), GREY),
        _h('<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>', float(LEFT - 4),
           float(TOP + 10), MUTED, f"{high:.3g}"),
        _h('<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>', float(LEFT - 4),
           float(TOP + inner_h), MUTED, f"{low:.3g}"),
    ]  # fmt: skip
    described = []
    if kr.direction == "band" and kr.band_low is not None and kr.band_high is not None:
        top, bottom = y(kr.band_high), y(kr.band_low)
        parts.append(
            _h('<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.15">'
               "<title>{}</title></rect>", float(LEFT), top, float(inner_w),
               max(bottom - top, 1.0), GREEN, f"Band {kr.band_low:g} to {kr.band_high:g}{unit}")
        )  # fmt: skip
        described.append(f"band {kr.band_low:g} to {kr.band_high:g}{unit}")
    if kr.target is not None and kr.direction != "band":
        ty = y(kr.target)
        parts.append(
            _h('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-dasharray="4 3">'
               '<title>{}</title></line><text x="{}" y="{}" fill="{}">target {}</text>',
               float(LEFT), ty, float(WIDTH - RIGHT), ty, GREEN, f"Target {kr.target:g}{unit}",
               float(LEFT + 4), ty - 3, GREEN, f"{kr.target:g}{unit}")
        )  # fmt: skip
        described.append(f"target {kr.target:g}{unit}")
    if kr.kind == "result":
        by = y(kr.baseline)
        parts.append(
            _h('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-dasharray="2 3"/>',
               float(LEFT), by, float(WIDTH - RIGHT), by, MUTED)
        )  # fmt: skip
        described.append(f"baseline {kr.baseline:g}{unit}")
    if len(points) > 1:
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
        parts.append(
            _h('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', path, BLUE)
        )
    for i, (week, value) in enumerate(points):
        colour = BLUE
        if row.is_monitor:
            inside = row.standing.healthy if i == len(points) - 1 else None
            colour = RED if inside is False else BLUE
        parts.append(
            _h('<circle cx="{}" cy="{}" r="4" fill="{}"><title>{}: {}</title></circle>',
               x(i), y(value), colour, week, f"{value:g}{unit}")
        )  # fmt: skip
    if points:
        parts.append(
            _h('<text x="{}" y="{}" fill="{}">{}</text><text x="{}" y="{}" text-anchor="end" '
               'fill="{}">{}</text>', float(LEFT), float(HEIGHT - 8), INK, points[0][0],
               float(WIDTH - RIGHT), float(HEIGHT - 8), INK, points[-1][0])
        )  # fmt: skip
    else:
        parts.append(
            _h('<text x="{}" y="{}" text-anchor="middle" fill="{}">No check-ins yet</text>',
               float(LEFT + inner_w / 2), float(TOP + inner_h / 2), MUTED)
        )  # fmt: skip
    values = "; ".join(f"{week}: {value:g}{unit}" for week, value in points) or "no check-ins"
    summary = f"{values} ({', '.join(described)})" if described else values
    return _svg(f"{kr.title}: check-ins", summary, WIDTH, HEIGHT, "".join(parts))
