"""The triage reminder: at the team's triage slot, the person on call gets one email listing
what waits for triage. It is a job of the weekly tick (``weekly.jobs.register_job``): the same
job row per (team, week, kind) and delivery row per recipient make it exactly once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings as django_settings
from django.db.models import Q
from django.template.loader import render_to_string

from initiatives.intake import selectors as reads
from initiatives.intake.models import IntakeRequest, IntakeSettings, RequestState
from initiatives.intake.rules import is_overdue
from initiatives.intake.schedule import latest_triage_slot, triage_slot_at
from initiatives.models import JobKind, Team
from initiatives.rules.workflow import shift_week
from initiatives.weekly.jobs import ExtraJob, Outgoing, register_job
from initiatives.weekly.mail import RenderedEmail
from initiatives.weekly.schedule import Slot

# The email lists at most this many requests (and says how many more there are).
LISTED = 20


# A slot missed for longer than this (everything was down) is skipped: the next one lists
# the same queue, and a week-old "it is triage time" is noise.
CATCH_UP = dt.timedelta(hours=24)


def due(teams: list[Team], now: dt.datetime) -> list[tuple[Team, Slot]]:
    """The latest triage slot that has passed within ``CATCH_UP`` of each team that has set
    up intake (its rotation and slot: an ``IntakeSettings`` row), in one query."""
    by_team = {s.team_id: s for s in IntakeSettings.objects.filter(team__in=teams)}
    slots = []
    for team in teams:
        settings = by_team.get(team.pk)
        if settings is None:
            continue
        settings.team = team
        week, at = latest_triage_slot(settings, now)
        if now - at > CATCH_UP or (team.created_at and at < team.created_at):
            continue
        slots.append((team, Slot(kind=JobKind.TRIAGE, week=week, at=at)))
    return slots


def build(team: Team, week: str) -> tuple[list[Outgoing], str]:
    """One email to whoever is on call at the slot, if anything waits for triage."""
    rota = reads.rota(team)
    slot = triage_slot_at(rota.settings, week)
    rota = reads.rota(team, now=slot)
    person = rota.on_call
    if person is None:
        return [], "Nobody is on call: the team has no rotation."
    if not person.email:
        return [], "The person on call has no email address."
    waiting = list(
        IntakeRequest.objects.filter(team=team, state=RequestState.NEW, needs_info=False)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=slot))
        .order_by("created_at", "pk")
    )
    if not waiting:
        return [], "Nothing waits for triage."
    # Overdue as it was just before this slot: already untriaged past the one before.
    previous = triage_slot_at(rota.settings, shift_week(week, -1))
    overdue = [
        r
        for r in waiting
        if is_overdue(
            state=r.state, created_at=r.created_at, needs_info=r.needs_info, latest_slot=previous
        )
    ]
    subject = f"[{team.key}] Triage: {len(waiting)} request{'s' if len(waiting) != 1 else ''}"
    if overdue:
        subject += f" ({len(overdue)} overdue)"
    context = {
        "team": team,
        "person": person,
        "week": week,
        "requests": waiting[:LISTED],
        "more": max(len(waiting) - LISTED, 0),
        "overdue_ids": {r.pk for r in overdue},
        "total": len(waiting),
        "overdue": len(overdue),
        "site_url": django_settings.SITE_URL,
        "subject": subject,
    }
    email = RenderedEmail(
        to=person.email,
        subject=subject,
        text=render_to_string("intake/email/triage_reminder.txt", context),
        html=render_to_string("intake/email/triage_reminder.html", context),
        headers={},
    )
    return [Outgoing(email, person.pk)], ""


TRIAGE_REMINDER = register_job(ExtraJob(kind=JobKind.TRIAGE, due=due, build=build))
