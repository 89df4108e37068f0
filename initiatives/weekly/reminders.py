"""The weekly reminder: one email per DRI whose active initiatives have no update for the week
yet, with a link to each one's update form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string

from initiatives.models import Initiative, Team
from initiatives.rules.workflow import parse_iso_week
from initiatives.weekly import selectors as reads
from initiatives.weekly.mail import RenderedEmail


@dataclass
class Reminder:
    team: Team
    week: str
    dri: User  # AUTH_USER_MODEL is Django's own
    initiatives: list[Initiative]

    @property
    def subject(self) -> str:
        keys = ", ".join(i.key for i in self.initiatives)
        return f"[{self.team.key}] Weekly update due for {self.week}: {keys}"


def build_reminders(team: Team, week: str) -> list[Reminder]:
    """One reminder per DRI of an active initiative with no update for ``week`` (one query).
    Paused, cancelled and done initiatives never get one."""
    by_dri: dict[int, Reminder] = {}
    for initiative in reads.without_update([team.pk], week=week):
        reminder = by_dri.setdefault(
            initiative.dri_id, Reminder(team=team, week=week, dri=initiative.dri, initiatives=[])
        )
        reminder.initiatives.append(initiative)
    return list(by_dri.values())


def render_reminder(reminder: Reminder) -> RenderedEmail:
    context = {
        "reminder": reminder,
        "team": reminder.team,
        "site_url": settings.SITE_URL,
        "deadline": parse_iso_week(reminder.week) + dt.timedelta(days=6),
    }
    return RenderedEmail(
        to=reminder.dri.email,
        subject=reminder.subject,
        text=render_to_string("email/reminder.txt", context),
        html=render_to_string("email/reminder.html", context),
        headers={},
    )
