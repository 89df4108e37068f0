"""The contents of the weekly digest and reminders: data built once per team and week in a
fixed number of queries, then rendered per recipient (only the unsubscribe link differs).

The web preview renders the same ``email/_digest_content.html`` as the email."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator

from initiatives.models import ActivityEvent, Health, Initiative, Milestone, State, Team
from initiatives.rules.workflow import parse_iso_week, shift_week
from initiatives.selectors import portfolio
from initiatives.weekly import selectors as reads
from initiatives.weekly.schedule import week_bounds
from initiatives.weekly.selectors import Recipient

EXCERPT_CHARS = 280
DUE_WITHIN_DAYS = 14
HEALTH_RANK = {Health.ON_TRACK: 0, Health.AT_RISK: 1, Health.OFF_TRACK: 2}
HEALTH_COLOURS = {
    Health.ON_TRACK: ("#1a7f37", "#dafbe1"),
    Health.AT_RISK: ("#9a6700", "#fff8c5"),
    Health.OFF_TRACK: ("#cf222e", "#ffebe9"),
    "": ("#57606a", "#f6f8fa"),
}
UNSUBSCRIBE_SALT = "shipshape.digest.unsubscribe"


# --- Links -----------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _url(name: str, fallback: str, **kwargs: Any) -> str:
    # The web UI's URL names may not exist yet in every deployment of the app; emails must
    # still carry a working link, so fall back to the documented path.
    try:
        return absolute(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return absolute(fallback)


def initiative_url(key: str) -> str:
    return _url("initiative-detail", f"/i/{key}/", key=key)


def update_form_url(key: str) -> str:
    return _url("status-update", f"/i/{key}/update/", key=key)


def preview_url(team_key: str, week: str) -> str:
    return _url("weekly-digest-preview", f"/teams/{team_key}/digest/", key=team_key) + (
        f"?week={week}"
    )


def unsubscribe_token(team_id: int, *, user_id: int | None = None, email: str = "") -> str:
    """A signed, non-expiring token naming one subscription; no login needed to use it."""
    payload = {"t": team_id, "u": user_id} if user_id else {"t": team_id, "e": email.lower()}
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict[str, Any]:
    """The token's payload; ``signing.BadSignature`` if it was tampered with."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(team_id: int, recipient: Recipient) -> str:
    token = unsubscribe_token(team_id, user_id=recipient.user_id, email=recipient.email)
    return _url("weekly-unsubscribe", f"/digest/unsubscribe/{token}/", token=token)


def excerpt(text: str) -> str:
    """One paragraph of plain text from a Markdown field, cut at a word."""
    flat = re.sub(r"\s+", " ", re.sub(r"[*_`#>]+", "", text or "")).strip()
    return Truncator(flat).chars(EXCERPT_CHARS)


# --- The digest ------------------------------------------------------------------------------


@dataclass
class DigestRow:
    initiative: Initiative
    url: str
    health: str  # this week's update, "" when none was posted
    previous_health: str  # last week's update, "" when none
    change: str  # better, worse, same, new (no update last week), missing (none this week)
    last_health: str  # the latest health known, for rows without an update this week
    progress: str
    risks: str
    next_week: str
    milestone_title: str | None
    milestone_due: dt.date | None
    slip_count: int
    slip_days: int
    stale: bool

    @property
    def health_label(self) -> str:
        return Health(self.health).label if self.health else "No update"

    @property
    def previous_label(self) -> str:
        return Health(self.previous_health).label.lower() if self.previous_health else ""

    @property
    def colour(self) -> str:
        return HEALTH_COLOURS[self.health][0]

    @property
    def background(self) -> str:
        return HEALTH_COLOURS[self.health][1]

    @property
    def change_label(self) -> str:
        return {
            "better": f"↑ better (was {self.previous_label})",
            "worse": f"↓ worse (was {self.previous_label})",
            "same": "= unchanged",
            "new": "new this week",
            "missing": "not posted",
        }[self.change]


@dataclass
class Digest:
    team: Team
    week: str
    since: dt.datetime
    until: dt.datetime
    today: dt.date
    rows: list[DigestRow]
    missing: list[DigestRow]
    milestones: list[Milestone]
    gate_waits: list[Initiative]
    overrides: list[ActivityEvent]
    finished: list[Initiative]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        c = self.counts
        return (
            f"[{self.team.key}] Weekly digest {self.week}: {c[Health.ON_TRACK]} on track, "
            f"{c[Health.AT_RISK]} at risk, {c[Health.OFF_TRACK]} off track"
        )

    @property
    def first_day(self) -> dt.date:
        return parse_iso_week(self.week)

    @property
    def last_day(self) -> dt.date:
        return parse_iso_week(self.week) + dt.timedelta(days=6)

    @property
    def is_empty(self) -> bool:
        """Nothing to report: no active initiative and nothing finished or overridden."""
        return not (self.rows or self.finished or self.overrides)

    @property
    def overdue(self) -> list[Milestone]:
        return [m for m in self.milestones if m.overdue]

    @property
    def due_soon(self) -> list[Milestone]:
        return [m for m in self.milestones if not m.overdue]


def _change(health: str, previous: str) -> str:
    if not health:
        return "missing"
    if not previous:
        return "new"
    delta = HEALTH_RANK[health] - HEALTH_RANK[previous]
    return "worse" if delta > 0 else "better" if delta < 0 else "same"


def _sort_key(row: DigestRow) -> tuple[int, int]:
    # Red first, then yellow, then green; initiatives that did not post come last.
    rank = -HEALTH_RANK[row.health] if row.health else 1
    return (rank, row.initiative.number)


def build_digest(team: Team, week: str) -> Digest:
    """Everything the digest of ``team`` for ``week`` says, in a fixed number of queries
    (whatever the number of initiatives): see ``tests/weekly/test_digest_content.py``."""
    since, until = week_bounds(team, week)
    # Milestones are judged as of the day the digest goes out: the Monday after the week.
    today = parse_iso_week(week) + dt.timedelta(weeks=1)
    team_ids = [team.pk]
    initiatives = reads.active_initiatives(team_ids)
    for row in initiatives:
        row.initiative.team = team  # already joined; one object, so templates see one team
    previous_week = shift_week(week, -1)
    updates = reads.updates_by_initiative((i.pk for i in initiatives), [week, previous_week])
    slips = reads.slips_by_milestone(i.current_milestone_id for i in initiatives)

    rows = []
    for initiative in initiatives:
        this = updates.get((initiative.pk, week))
        before = updates.get((initiative.pk, previous_week))
        health = this.health if this else ""
        previous = before.health if before else ""
        due = initiative.current_milestone_due
        current_slips = slips.get(initiative.current_milestone_id, [])
        rows.append(
            DigestRow(
                initiative=initiative,
                url=initiative_url(initiative.key),
                health=health,
                previous_health=previous,
                change=_change(health, previous),
                last_health=initiative.health,
                progress=excerpt(this.progress) if this else "",
                risks=excerpt(this.risks) if this else "",
                next_week=excerpt(this.next_week) if this else "",
                milestone_title=initiative.current_milestone_title,
                milestone_due=due,
                slip_count=len(current_slips),
                slip_days=sum(s.days for s in current_slips),
                stale=initiative.stale,
            )
        )
    rows.sort(key=_sort_key)
    counts = {h: sum(1 for r in rows if r.health == h) for h in Health.values}
    counts["missing"] = sum(1 for r in rows if not r.health)
    digest = Digest(
        team=team,
        week=week,
        since=since,
        until=until,
        today=today,
        rows=rows,
        missing=[r for r in rows if not r.health],
        milestones=portfolio.milestones_due(team_ids, today=today, within_days=DUE_WITHIN_DAYS),
        gate_waits=portfolio.waiting_at_gates(initiatives),
        # Oldest first: the digest tells the week in order.
        overrides=portfolio.overrides_and_waivers(team_ids, since=since, until=until)[::-1],
        finished=portfolio.finished(team_ids, since=since, until=until),
        counts=counts,
    )
    linked = [
        *initiatives,
        *digest.finished,
        *(m.initiative for m in digest.milestones),
        *(e.initiative for e in digest.overrides if e.initiative),
    ]
    for initiative in linked:
        initiative.url = initiative_url(initiative.key)
    return digest


def digest_context(digest: Digest, recipient: Recipient | None = None) -> dict[str, Any]:
    return {
        "digest": digest,
        "team": digest.team,
        "site_url": settings.SITE_URL,
        "preview_url": preview_url(digest.team.key, digest.week),
        "unsubscribe_url": unsubscribe_url(digest.team.pk, recipient) if recipient else "",
        "recipient": recipient,
        "health": {"on_track": Health.ON_TRACK, "at_risk": Health.AT_RISK},
        "colours": HEALTH_COLOURS,
        "states": dict(State.choices),
    }


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def render_digest(digest: Digest, recipient: Recipient) -> RenderedEmail:
    context = digest_context(digest, recipient)
    link = context["unsubscribe_url"]
    return RenderedEmail(
        to=recipient.email,
        subject=digest.subject,
        text=render_to_string("email/digest.txt", context),
        html=render_to_string("email/digest.html", context),
        headers={
            # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{digest.team.key} weekly digest <digest.{digest.team.key.lower()}>",
        },
    )


def render_digest_text(digest: Digest) -> str:
    """The plain-text digest without a recipient (dry runs)."""
    return render_to_string("email/digest.txt", digest_context(digest))


# --- Reminders -------------------------------------------------------------------------------


@dataclass
class Reminder:
    team: Team
    week: str
    dri: Any
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
        initiative.team = team
        initiative.update_url = update_form_url(initiative.key)
        initiative.url = initiative_url(initiative.key)
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
