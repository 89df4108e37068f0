"""Small server-rendered SVG charts for the dashboard: no JavaScript, no dependency.

Each builder takes plain values and returns safe markup: an ``<svg role="img">`` whose
``aria-label`` and ``<title>`` say what it shows, with every value also written as text, and
its marks wrapped in links to the list behind them. Callers escape nothing: every string that
reaches the markup goes through ``format_html`` or ``escape`` here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import count

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from initiatives.rules import colours

BLUE = "#0969da"
# Health colours are the shared tokens (rules.colours; theme.css maps them to dark mode).
GREEN = colours.HEALTH["on_track"].fg
YELLOW = colours.HEALTH["at_risk"].fg
RED = colours.HEALTH["off_track"].fg
GREY = "#d0d7de"
INK = "#1f2328"
MUTED = "#57606a"
HEALTH_COLORS = {"on_track": GREEN, "at_risk": YELLOW, "off_track": RED, None: GREY, "": GREY}
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
MONTH_LABEL_ROOM = 64  # px right of the plot: "Sep 2027" at 12 px is about 52 px wide

_ids = count(1)


@dataclass
class Bar:
    label: str
    value: float
    href: str = ""
    color: str = BLUE
    text: str = ""  # the value as shown; defaults to the number


@dataclass
class Segment:
    label: str
    value: float
    color: str


@dataclass
class Column:
    label: str
    segments: list[Segment]
    href: str = ""


@dataclass
class Cell:
    label: str  # what the cell says, e.g. "2026-W10: at risk"
    color: str
    href: str = ""


@dataclass
class HeatRow:
    label: str
    cells: list[Cell]
    href: str = ""


@dataclass
class GanttBar:
    label: str
    start: dt.date
    end: dt.date
    color: str = BLUE
    note: str = ""


@dataclass
class GanttRow:
    label: str
    bars: list[GanttBar] = field(default_factory=list)
    href: str = ""


@dataclass
class Spread:
    label: str
    low: float
    p25: float
    median: float
    p75: float
    high: float
    count: int


def _h(template: str, *args: object) -> SafeString:
    """``format_html`` with floats written to one decimal (coordinates and lengths)."""
    return format_html(template, *(f"{a:.1f}" if isinstance(a, float) else a for a in args))


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _link(href: str, inner: SafeString, title: str) -> SafeString:
    titled = _h("<title>{}</title>{}", title, inner)
    return _h('<a href="{}">{}</a>', href, titled) if href else titled


def _svg(title: str, summary: str, width: int, height: int, body: str) -> SafeString:
    ident = f"chart-{next(_ids)}"
    return _h(
        '<svg class="chart" role="img" aria-labelledby="{0}" viewBox="0 0 {1} {2}" '
        'width="{1}" height="{2}" xmlns="http://www.w3.org/2000/svg" {3}>'
        '<title id="{0}">{4}</title><desc>{5}</desc>{6}</svg>',
        ident,
        width,
        height,
        mark_safe(FONT),
        title,
        summary,
        mark_safe(body),
    )


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def bar_chart(title: str, bars: list[Bar], *, width: int = 420, label_width: int = 130) -> str:
    """Horizontal bars, one per row, with the value written after each bar."""
    row, top = 24, 6
    height = top * 2 + row * max(len(bars), 1)
    peak = max((b.value for b in bars), default=0) or 1
    longest = max((len(b.text or _number(b.value)) for b in bars), default=0)
    room = max(width - label_width - 12 - int(longest * 6.8), 60)
    parts = []
    for i, bar in enumerate(bars):
        y = top + i * row
        length = max(room * bar.value / peak, 2 if bar.value else 0)
        text = bar.text or _number(bar.value)
        inner = _h(
            '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="16" rx="2" fill="{}"/>'
            '<text x="{}" y="{}" fill="{}">{}</text>',
            label_width - 8,
            y + 13,
            INK,
            _clip(bar.label, 20),
            label_width,
            y + 1,
            length,
            bar.color,
            label_width + length + 6,
            y + 13,
            INK,
            text,
        )
        parts.append(_link(bar.href, inner, f"{bar.label}: {text}"))
    summary = "; ".join(f"{b.label}: {b.text or _number(b.value)}" for b in bars)
    return _svg(title, summary, width, height, "".join(parts))


def stacked_columns(title: str, columns: list[Column], *, height: int = 170) -> str:
    """Vertical 100% stacked columns (e.g. the share of each health per week)."""
    col, gap, left, bottom, top = 30, 8, 44, 34, 8
    width = left + len(columns) * (col + gap) + gap
    plot = height - bottom - top
    parts = [
        _h(
            '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>',
            left - 6,
            y + 4,
            MUTED,
            label,
            left,
            width,
            y,
            y,
            GREY,
        )
        for y, label in ((top, "100%"), (top + plot // 2, "50%"), (top + plot, "0%"))
    ]
    for i, column in enumerate(columns):
        x = left + gap + i * (col + gap)
        total = sum(s.value for s in column.segments)
        y: float = top + plot
        inner = []
        for segment in column.segments:
            if not segment.value:
                continue
            h = plot * segment.value / total
            y -= h
            inner.append(
                _h(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    x,
                    y,
                    col,
                    h,
                    segment.color,
                )
            )
        if not total:
            inner.append(
                _h(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" '
                    'stroke-dasharray="3 3"/>',
                    x,
                    top,
                    col,
                    plot,
                    GREY,
                )
            )
        short = column.label.split("-")[-1]
        inner.append(
            _h(
                '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                x + col / 2,
                height - bottom + 16,
                MUTED,
                short,
            )
        )
        described = ", ".join(f"{s.label} {_number(s.value)}" for s in column.segments) or "none"
        parts.append(_link(column.href, mark_safe("".join(inner)), f"{column.label}: {described}"))
    summary = "; ".join(
        f"{c.label}: " + (", ".join(f"{s.label} {_number(s.value)}" for s in c.segments))
        for c in columns
    )
    return _svg(title, summary, width, height, "".join(parts))


def heatmap(title: str, columns: list[str], rows: list[HeatRow], *, label_width: int = 220) -> str:
    """One row per initiative, one cell per column (week); grey where there is no value."""
    cell, gap, top = 22, 3, 22
    width = label_width + len(columns) * (cell + gap) + 4
    height = top + len(rows) * (cell + gap) + 4
    parts = [
        _h(
            '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
            label_width + i * (cell + gap) + cell / 2,
            top - 8,
            MUTED,
            week.split("-W")[-1],
        )
        for i, week in enumerate(columns)
    ]
    for r, row in enumerate(rows):
        y = top + r * (cell + gap)
        parts.append(
            _link(
                row.href,
                _h(
                    '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                    label_width - 8,
                    y + 15,
                    INK,
                    _clip(row.label, 28),
                ),
                row.label,
            )
        )
        for c, value in enumerate(row.cells):
            rect = _h(
                '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>',
                label_width + c * (cell + gap),
                y,
                cell,
                cell,
                value.color,
            )
            parts.append(_link(value.href, rect, f"{row.label}, {value.label}"))
    summary = "; ".join(f"{row.label}: " + ", ".join(c.label for c in row.cells) for row in rows)
    return _svg(title, summary, width, height, "".join(parts))


def gantt(
    title: str,
    rows: list[GanttRow],
    *,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    width: int = 900,
    label_width: int = 220,
) -> str:
    """A timeline from ``start`` to ``end``: one row per initiative, one bar per milestone
    (clamped to the window), month ticks and a line for today."""
    row_h, top = 30, 24
    span = max((end - start).days, 1)
    # Room on the right for the last month's label ("Mar 2027" starts at its tick), so that a
    # month beginning just before ``end`` is never cut.
    plot = width - label_width - MONTH_LABEL_ROOM
    height = top + row_h * max(len(rows), 1) + 6

    def x(day: dt.date) -> float:
        clamped = min(max(day, start), end)
        return label_width + plot * (clamped - start).days / span

    parts = []
    month = dt.date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            parts.append(
                _h(
                    '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="{3}"/>'
                    '<text x="{4}" y="{5}" fill="{6}">{7}</text>',
                    x(month),
                    top - 4,
                    height,
                    GREY,
                    x(month) + 3,
                    top - 8,
                    MUTED,
                    f"{month:%b %Y}",
                )
            )
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    for r, row in enumerate(rows):
        y = top + r * row_h
        parts.append(
            _link(
                row.href,
                _h(
                    '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                    label_width - 8,
                    y + 19,
                    INK,
                    _clip(row.label, 28),
                ),
                row.label,
            )
        )
        for bar in row.bars:
            x0, x1 = x(bar.start), x(bar.end)
            inner = _h(
                '<rect x="{}" y="{}" width="{}" height="18" rx="3" fill="{}" '
                'opacity=".85"/><circle cx="{}" cy="{}" r="4" fill="{}"/>',
                x0,
                y + 6,
                max(x1 - x0, 4),
                bar.color,
                x1,
                y + 15,
                INK,
            )
            label = f"{bar.label}: {bar.start:%Y-%m-%d} to {bar.end:%Y-%m-%d}"
            parts.append(_link(row.href, inner, f"{label}{bar.note}"))
    parts.append(
        _h(
            '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="{3}" stroke-width="2" '
            'stroke-dasharray="4 3"/><text x="{4}" y="{5}" fill="{3}">today</text>',
            x(today),
            top - 4,
            height,
            RED,
            x(today) + 3,
            height - 2,
        )
    )
    summary = "; ".join(
        f"{row.label}: " + ", ".join(f"{b.label} due {b.end:%Y-%m-%d}{b.note}" for b in row.bars)
        for row in rows
    )
    return _svg(title, summary, width, height, "".join(parts))


def spread_chart(
    title: str, rows: list[Spread], *, unit: str = "days", width: int = 680, href: str = ""
) -> str:
    """Box plots: whiskers min to max, box p25 to p75, a tick at the median, the median as text."""
    row, top, label_width = 26, 6, 110
    height = top * 2 + row * max(len(rows), 1)
    peak = max((s.high for s in rows if s.count), default=0) or 1
    plot = width - label_width - 190

    def x(value: float) -> float:
        return label_width + plot * value / peak

    parts = []
    for i, s in enumerate(rows):
        y = top + i * row + 12
        if not s.count:
            inner = _h(
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
                '<text x="{}" y="{}" fill="{}">no data</text>',
                label_width - 8,
                y + 4,
                INK,
                s.label,
                label_width,
                y + 4,
                MUTED,
            )
            parts.append(_link(href, inner, f"{s.label}: no data"))
            continue
        text = f"median {_number(s.median)} {unit} (n={s.count})"
        inner = _h(
            '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
            '<rect x="{}" y="{}" width="{}" height="14" fill="#ddf4ff" stroke="{}"/>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="3"/>'
            '<text x="{}" y="{}" fill="{}">{}</text>',
            label_width - 8,
            y + 4,
            INK,
            s.label,
            x(s.low),
            x(s.high),
            y,
            y,
            MUTED,
            x(s.p25),
            y - 7,
            max(x(s.p75) - x(s.p25), 1),
            BLUE,
            x(s.median),
            x(s.median),
            y - 7,
            y + 7,
            BLUE,
            label_width + plot + 8,
            y + 4,
            INK,
            text,
        )
        spread = (
            f"{s.label}: median {_number(s.median)}, quartiles {_number(s.p25)} to "
            f"{_number(s.p75)}, range {_number(s.low)} to {_number(s.high)} {unit}, n={s.count}"
        )
        parts.append(_link(href, inner, spread))
    summary = "; ".join(
        f"{s.label}: median {_number(s.median)} {unit}" if s.count else f"{s.label}: no data"
        for s in rows
    )
    return _svg(title, summary, width, height, "".join(parts))


__all__ = [
    "HEALTH_COLORS",
    "Bar",
    "Cell",
    "Column",
    "GanttBar",
    "GanttRow",
    "HeatRow",
    "Segment",
    "Spread",
    "bar_chart",
    "gantt",
    "heatmap",
    "spread_chart",
    "stacked_columns",
]
