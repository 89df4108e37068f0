"""The dashboard's timeline (issue 16): month labels are never cut at the right edge ("Mar"
shown as "Ma") and initiative keys never break at their hyphen ("PLAT-" / "1")."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from initiatives.dashboard import charts
from tests.dashboard.conftest import NOW
from tests.dashboard.test_views import TEAM_DASHBOARD

SVG = "{http://www.w3.org/2000/svg}"
GLYPH = 7.0  # generous average width of a 12 px system-ui glyph, digits included


def _month_labels(svg: str) -> list[tuple[float, str]]:
    root = ET.fromstring(svg)
    return [
        (float(t.get("x", 0)), t.text or "")
        for t in root.iter(f"{SVG}text")
        if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t.text or "")
    ]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_month_starting_just_before_the_end_keeps_its_whole_label():
    # Jun 1 is two days before the end of the window: its label used to run past the edge.
    svg = charts.gantt(
        "Timeline",
        [
            charts.GanttRow(
                "PLAT-1 Alpha",
                [charts.GanttBar("GA", dt.date(2026, 3, 1), dt.date(2026, 5, 30))],
                href="/i/PLAT-1/",
            )
        ],
        start=dt.date(2026, 2, 4),
        end=dt.date(2026, 6, 3),
        today=dt.date(2026, 3, 4),
    )
    width = int(ET.fromstring(svg).get("width", 0))
    labels = _month_labels(svg)
    assert [text for _, text in labels] == ["Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    for x, text in labels:
        assert x + len(text) * GLYPH <= width, text
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "PLAT-1 Alpha" in texts  # the key and title in one unbroken text


def test_the_dashboard_timeline_shows_whole_months_and_unbroken_keys(
    client, portfolio, people, frozen
):
    client.force_login(people["em"])
    html = client.get(TEAM_DASHBOARD).content.decode()
    timeline = html.split('class="dash-scroll dash-timeline">', 1)[1].split("</svg>", 1)[0]
    labels = [text for _, text in _month_labels(timeline + "</svg>")]
    # NOW is 2026-03-04: the window runs from Feb 4 to Jun 3.
    assert labels == ["Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    assert ">PLAT-3 Charlie</text>" in timeline
    # Keys in lists and tables carry the class that keeps them on one line.
    assert '<strong class="dash-key">PLAT-3</strong>' in html
    assert re.search(r'<a class="dash-key" href="[^"]+">PLAT-3</a>', html)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "dashboard.css").read_text()
    assert ".dash-key { white-space: nowrap; }" in css
