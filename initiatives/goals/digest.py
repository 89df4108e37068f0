"""The digest's "Goals" section (``weekly.digest.register_section``): the team's key results
of open goals as of the end of the digest's week, those needing attention first — results off
track or behind, monitors out of band, results at risk — then those without a check-in for the
week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from initiatives.goals import selectors as reads
from initiatives.models import Team
from initiatives.rules.dates import team_today
from initiatives.rules.workflow import parse_iso_week
from initiatives.weekly.digest import DigestSection, register_section

LISTED = 15


@dataclass
class GoalsSection:
    week: str
    attention: list[reads.KRRow]  # worst first
    missing: list[reads.KRRow]  # no check-in for the week
    fine: int  # on track or healthy, checked in
    more: int  # attention rows beyond LISTED

    @property
    def total(self) -> int:
        return len(self.attention) + self.more + len(self.missing) + self.fine


def goals_figures(team: Team, week: str, now: dt.datetime) -> GoalsSection | None:
    """The section of ``week``: each key result's latest check-in up to that week, judged on
    the week's last day (or today, while it lasts). One query."""
    last_day = parse_iso_week(week) + dt.timedelta(days=6)
    rows = reads.open_key_results(
        [team.pk], lambda t: min(team_today(t.tz, now), last_day), up_to_week=week
    )
    if not rows:
        return None
    attention = sorted(
        (r for r in rows if r.standing.needs_attention),
        key=lambda r: (r.standing.rank, r.standing.progress or 0, r.pk),
    )
    missing = [r for r in rows if (r.latest_week or "") < week]
    fine = sum(1 for r in rows if not r.standing.needs_attention and (r.latest_week or "") >= week)
    return GoalsSection(week, attention[:LISTED], missing, fine, max(len(attention) - LISTED, 0))


@register_section
def goals_section(
    team: Team, week: str, since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> DigestSection | None:
    figures = goals_figures(team, week, now)
    if figures is None:
        return None
    return DigestSection("goals/email/_digest.html", "goals/email/_digest.txt", figures)
