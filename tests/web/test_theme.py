"""One set of colour tokens: theme.css declares exactly rules/colours.py's values (light and
dark), the board's and the dashboard's chips use the same token per state and health, and the
emails, chat and charts take their colours from the same module."""

import re
from pathlib import Path

from django.conf import settings

from initiatives.chat.format import HEALTH_COLOUR as CHAT_COLOURS
from initiatives.dashboard import charts
from initiatives.rules import colours
from initiatives.weekly.digest import HEALTH_COLOURS as EMAIL_COLOURS

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "theme.css").read_text()
LIGHT, _, DARK = CSS.partition("@media (prefers-color-scheme: dark)")


def declared(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--(?:health|state)-[a-z_]+(?:-bg)?):\s*(#[0-9a-f]{6})", block))


def test_theme_css_declares_every_token_light_and_dark():
    tokens = colours.css_tokens()
    assert declared(LIGHT) == {name: light for name, (light, _) in tokens.items()}
    dark = {name: value for name, value in declared(DARK).items()}
    assert {name: dark[name] for name in tokens} == {n: d for n, (_, d) in tokens.items()}


def test_board_and_dashboard_chips_use_the_same_token():
    for state in colours.STATE:
        rule = re.search(rf"\.state-{state}, \.dash-state-{state} \{{([^}}]*)\}}", CSS)
        assert rule and f"var(--state-{state})" in rule.group(1), state
    for health in ("on_track", "at_risk", "off_track"):
        assert re.search(rf"\.dash-health-{health} \{{[^}}]*var\(--health-{health}\)", CSS)


def test_emails_chat_and_charts_use_the_tokens():
    for health in ("on_track", "at_risk", "off_track"):
        colour = colours.HEALTH[health]
        assert EMAIL_COLOURS[health] == (colour.fg, colour.bg)
        assert CHAT_COLOURS[health] == colour.fg
        assert charts.HEALTH_COLORS[health] == colour.fg
        # Dark mode maps each chart colour to its token.
        assert f'svg.chart [fill="{colour.fg}"] {{ fill: var(--health-{health}); }}' in CSS


def test_dark_mode_changes_the_page_background():
    assert re.search(r"--bg:\s*#0d1117", DARK)


def test_pages_load_the_theme_favicon_and_scripts(client, people):
    client.force_login(people["viewer"])
    html = client.get("/").content.decode()
    for asset in ("css/theme.css", "img/favicon.svg", "js/shortcuts.js", "js/enhance.js"):
        assert asset in html, asset
    assert 'role="search"' in html and 'id="site-search"' in html
    assert 'aria-keyshortcuts="/"' in html
    assert '<dialog class="shortcuts" id="shortcuts" aria-labelledby="shortcuts-title">' in html
    static = Path(settings.BASE_DIR) / "static"
    assert (static / "img" / "favicon.svg").read_text().startswith("<svg")
