"""Intake's section of the weekly digest (``weekly.digest.register_section``): what came in
during the week, what was triaged and how fast, where requests were routed and which
initiatives they were accepted into, and what is overdue as of the day the digest is sent."""

from __future__ import annotations

import datetime as dt

from initiatives.intake.selectors import intake_figures
from initiatives.models import Team
from initiatives.weekly.digest import DigestSection, register_section


@register_section
def intake_section(
    team: Team, week: str, since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> DigestSection | None:
    figures = intake_figures([team], since=since, until=until, now=now)[team.pk]
    if figures.is_empty:
        return None
    return DigestSection("intake/email/_digest.html", "intake/email/_digest.txt", figures)
