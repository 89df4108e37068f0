"""The weekly key result check-in reminder: at the team's reminder slot (the weekly update
reminder's, default Thursday 10:00 team time), each owner of a key result of an open goal
that has no check-in for the week gets one email listing them. A job of the weekly tick
(``weekly.jobs.register_job``): one job row per (team, week, kind) and one delivery row per
recipient make it exactly once, as the update reminder and intake's triage reminder. The same
job hands its list (``listing``) to the job hooks: chat posts it, once per channel that chose
the key-result check-in reminder, the owners mentioned by chat handle."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.urls import reverse

from initiatives.goals import selectors as reads
from initiatives.models import JobKind, Team
from initiatives.rules.dates import team_today
from initiatives.weekly.jobs import ExtraJob, ListedItem, Listing, Outgoing, register_job
from initiatives.weekly.mail import RenderedEmail
from initiatives.weekly.schedule import Slot, latest_week, slot_at

# A slot missed for longer than this (everything was down) is skipped: next week's reminder
# asks again, and a stale "check in this week" is noise.
CATCH_UP = dt.timedelta(hours=24)


def due(teams: list[Team], now: dt.datetime) -> list[tuple[Team, Slot]]:
    """The latest reminder slot within ``CATCH_UP`` of each team with a key result of an open
    goal (one query)."""
    with_krs = reads.teams_with_open_key_results(teams)
    slots = []
    for team in teams:
        if team.pk not in with_krs:
            continue
        week = latest_week(team, JobKind.REMINDER, now)
        at = slot_at(team, JobKind.REMINDER, week)
        if now - at > CATCH_UP or (team.created_at and at < team.created_at):
            continue
        slots.append((team, Slot(kind=JobKind.KR_CHECKIN, week=week, at=at)))
    return slots


def waiting(team: Team, week: str) -> dict[int, list[reads.KRRow]]:
    """The key results without a check-in for ``week``, by owner id."""
    slot = slot_at(team, JobKind.REMINDER, week)
    rows = reads.open_key_results([team.pk], lambda t: team_today(t.tz, slot), up_to_week=week)
    by_owner: dict[int, list[reads.KRRow]] = defaultdict(list)
    for row in rows:
        if (row.latest_week or "") < week:
            by_owner[row.key_result.owner_id].append(row)
    return by_owner


def build(team: Team, week: str) -> tuple[list[Outgoing], str]:
    by_owner = waiting(team, week)
    if not by_owner:
        return [], "Every key result has its check-in."
    outgoing = []
    for rows in by_owner.values():
        owner = rows[0].key_result.owner
        if not owner.email:
            continue
        count = len(rows)
        subject = f"[{team.key}] Check in {count} key result{'s' if count != 1 else ''} for {week}"
        context = {
            "team": team,
            "person": owner,
            "week": week,
            "rows": rows,
            "site_url": django_settings.SITE_URL,
            "goals_url": reverse("goals-team", kwargs={"key": team.key}),
            "subject": subject,
        }
        email = RenderedEmail(
            to=owner.email,
            subject=subject,
            text=render_to_string("goals/email/checkin_reminder.txt", context),
            html=render_to_string("goals/email/checkin_reminder.html", context),
            headers={},
        )
        outgoing.append(Outgoing(email, owner.pk))
    if not outgoing:
        return [], "The owners waiting for a check-in have no email address."
    return outgoing, ""


def listing(team: Team, week: str) -> Listing | None:
    """The key results without a check-in for ``week``, each linked to its goal's page with
    its owner, for the team's chat channels; None when every one has its check-in."""
    rows = [row for rows in waiting(team, week).values() for row in rows]
    if not rows:
        return None
    rows.sort(key=lambda r: (r.goal.title.lower(), r.key_result.title.lower(), r.pk))
    site = django_settings.SITE_URL
    count = len(rows)
    noun = "key result has" if count == 1 else "key results have"
    return Listing(
        header=f"{team.name}: key-result check-ins due for {week}",
        intro=f"{count} {noun} no check-in for {week} yet. Each link opens the goal's page.",
        fallback=f"{count} {noun} no check-in for {week} yet ({team.key}).",
        items=[
            ListedItem(
                label=f"{r.goal.title}: {r.key_result.title}",
                url=site + reverse("goal-detail", kwargs={"pk": r.goal.pk}),
                person=r.key_result.owner,
            )
            for r in rows
        ],
        more_url=site + reverse("goals-team", kwargs={"key": team.key}),
        at=slot_at(team, JobKind.REMINDER, week),
    )


KR_CHECKIN_REMINDER = register_job(
    ExtraJob(kind=JobKind.KR_CHECKIN, due=due, build=build, listing=listing)
)
