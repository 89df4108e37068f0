"""The one set of colour tokens: one colour per initiative state and per health, light and dark.

``static/css/theme.css`` declares them as CSS custom properties (``--health-on_track``,
``--health-on_track-bg``, ``--state-ready``, …; a test checks that it matches this module), and
the board, the tables, the dashboard and its SVG charts use those; emails and chat messages
cannot use CSS variables, so they take the light values from here.
"""

from __future__ import annotations

from typing import NamedTuple


class Colour(NamedTuple):
    fg: str
    bg: str
    dark_fg: str
    dark_bg: str


HEALTH: dict[str, Colour] = {
    "on_track": Colour("#1a7f37", "#dafbe1", "#3fb950", "#12261e"),
    "at_risk": Colour("#9a6700", "#fff8c5", "#d29922", "#2e2511"),
    "off_track": Colour("#cf222e", "#ffebe9", "#f85149", "#331519"),
    "none": Colour("#59636e", "#eaeef2", "#9198a1", "#262c36"),
}

STATE: dict[str, Colour] = {
    "discovery": Colour("#59636e", "#eaeef2", "#9198a1", "#262c36"),
    "scoping": Colour("#0550ae", "#ddf4ff", "#79c0ff", "#0c2d6b"),
    "ready": Colour("#116329", "#dafbe1", "#56d364", "#0f2d1a"),
    "in_delivery": Colour("#6639ba", "#fbefff", "#d2a8ff", "#2b1a47"),
    "done": Colour("#ffffff", "#1a7f37", "#ffffff", "#238636"),
    "paused": Colour("#7d4e00", "#fff8c5", "#e3b341", "#341a00"),
    "cancelled": Colour("#59636e", "#eaeef2", "#9198a1", "#262c36"),
}


def health(value: str | None) -> Colour:
    """The colour of a health value ("" or None: no update yet)."""
    return HEALTH.get(value or "none", HEALTH["none"])


def css_tokens() -> dict[str, tuple[str, str]]:
    """Every custom property theme.css must declare: name → (light, dark)."""
    tokens: dict[str, tuple[str, str]] = {}
    for prefix, table in (("health", HEALTH), ("state", STATE)):
        for name, colour in table.items():
            tokens[f"--{prefix}-{name}"] = (colour.fg, colour.dark_fg)
            tokens[f"--{prefix}-{name}-bg"] = (colour.bg, colour.dark_bg)
    return tokens
