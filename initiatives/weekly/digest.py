"""The weekly digest: its contents built once per team and week in a fixed number of queries,
then rendered per recipient (only the unsubscribe link differs); and the signed one-click
unsubscribe link it carries.

The web preview renders the same ``email/_digest_content.html`` as the email. Its order and
its "due soon" are the dashboard's (``selectors.portfolio``, ``rules.workflow``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from initiatives.collab.selectors import (
    CommentCount,
    WaitingRequest,
    comment_counts,
    requests_waiting,
)
from initiatives.models import (
    ACTIVE_STATES,
    ActivityEvent,
    DigestSubscription,
    Health,
    Initiative,
    JobKind,
    State,
    StatusUpdate,
    Team,
)
from initiatives.policies.selectors import blockers_at_risk
from initiatives.rules import colours
from initiatives.rules.dates import DateMoves, team_today
from initiatives.rules.text import markdown_to_text
from initiatives.rules.workflow import (
    DUE_SOON_DAYS,
    LAPSED_LABEL,
    health_rank,
    is_stale,
    iso_week,
    lapsed_gates,
    parse_iso_week,
    shift_week,
)
from initiatives.selectors import portfolio
from initiatives.selectors.initiatives import InitiativeRow
from initiatives.selectors.portfolio import DueMilestone, GateWait
from initiatives.weekly import selectors as reads
from initiatives.weekly.mail import RenderedEmail
from initiatives.weekly.schedule import check_digest_week, slot_at, week_bounds
from initiatives.weekly.selectors import AsOf, Recipient

EXCERPT_CHARS = 280
# The shared colour tokens' light values (rules.colours): emails cannot use CSS variables.
HEALTH_COLOURS = {
    health: (colours.health(health).fg, colours.health(health).bg)
    for health in (Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK, "")
}
UNSUBSCRIBE_SALT = "shipshape.digest.unsubscribe"


# --- Links -----------------------------------------------------------------------------------
# Emails carry absolute links: ``settings.SITE_URL`` and the web UI's path. The templates
# build the initiatives' links the same way, from ``site_url`` and ``get_absolute_url``.


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def preview_url(team_key: str, week: str) -> str:
    path = reverse("weekly-digest-preview", kwargs={"key": team_key})
    return absolute(f"{path}?week={week}")


# An unsubscribe link works for this long after the digest that carried it; every digest
# carries a fresh one.
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=180)


def unsubscribe_token(team_id: int, *, user_id: int | None = None, email: str = "") -> str:
    """A signed token naming one subscription (and, in its timestamp, when it was issued); no
    login needed to use it."""
    payload: dict[str, int | str] = (
        {"t": team_id, "u": user_id} if user_id else {"t": team_id, "e": email.lower()}
    )
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict[str, Any]:
    """The token's payload; ``signing.BadSignature`` if it was tampered with or is older than
    ``UNSUBSCRIBE_MAX_AGE`` (``SignatureExpired``)."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)


def _issued_at(token: str) -> int:
    """When a (verified) token was signed, in whole seconds: ``signing.dumps`` puts the time
    stamp, base 62, before the signature."""
    return signing.b62_decode(token.rsplit(":", 2)[-2])


def unsubscribe_link(token: str) -> tuple[Team, dict[str, Any]] | None:
    """The team an unsubscribe link names, and the link's payload; None for a forged,
    mangled, expired or stale link — stale when the subscription it names was created after
    the link (removed and added again: the old link belongs to the old one). Two queries."""
    try:
        payload = read_unsubscribe_token(token)
        team = Team.objects.get(pk=payload["t"])
    except (signing.BadSignature, KeyError, TypeError, Team.DoesNotExist):
        return None
    rows = DigestSubscription.objects.filter(team=team)
    if payload.get("u"):
        rows = rows.filter(user_id=payload["u"])
    else:
        rows = rows.filter(user__isnull=True, email__iexact=payload.get("e", ""))
    created = rows.values_list("created_at", flat=True).first()
    if created is not None and int(created.timestamp()) > _issued_at(token):
        return None
    return team, payload


def unsubscribe_url(team_id: int, recipient: Recipient) -> str:
    token = unsubscribe_token(team_id, user_id=recipient.user_id, email=recipient.email)
    return absolute(reverse("weekly-unsubscribe", kwargs={"token": token}))


def excerpt(text: str) -> str:
    """One paragraph of plain text made from a Markdown field as the page renders it, cut at a
    word: links show their label, no tag (escaped or not) shows. Only the start of the text is
    looked at (a few times what is shown), so a long or hostile text costs no more than a
    short one."""
    return Truncator(markdown_to_text(text, limit=EXCERPT_CHARS * 4)).chars(EXCERPT_CHARS)


# --- The digest ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestRow:
    """An initiative active at the end of the digest's week, as it was then: its state, DRI,
    health and last update as of that week (``weekly.selectors.as_of``), this week's update
    against last week's, and its current milestone with the slips and pull-ins recorded
    before the week ended."""

    initiative: InitiativeRow
    state: str  # as of the end of the week
    dri: Any  # the DRI (a user) as of the end of the week
    health: str  # this week's update, "" when none was posted
    previous_health: str  # last week's update, "" when none
    change: str  # better, worse, same, new (no update last week), missing (none this week)
    progress: str
    risks: str
    next_week: str
    moves: DateMoves
    last_update_week: str  # the latest update of the week or before, "" when none
    last_health: str  # its health
    stale: bool  # as of the week (``rules.workflow.is_stale``)
    # Its blockers that are red or overdue on the digest's day (initiatives.policies):
    # "at risk from PLAT-7".
    at_risk_from: tuple[str, ...] = ()

    @property
    def state_label(self) -> str:
        return State(self.state).label

    @property
    def lapsed(self) -> tuple[str, ...]:
        """ "DoR no longer met" and the like, as of now (``rules.workflow.lapsed_gates``)."""
        return tuple(LAPSED_LABEL[kind] for kind in lapsed_gates(self.initiative.initiative))

    @property
    def slip_count(self) -> int:
        return self.moves.slips

    @property
    def milestone_title(self) -> str | None:
        return self.initiative.current_milestone_title

    @property
    def milestone_due(self) -> dt.date | None:
        return self.initiative.current_milestone_due

    @property
    def health_label(self) -> str:
        return Health(self.health).label if self.health else "No update"

    @property
    def last_health_label(self) -> str:
        return Health(self.last_health).label.lower() if self.last_health else ""

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


@dataclass(frozen=True)
class DigestSection:
    """A section another subject adds to the digest (intake's): the templates that render it
    in the HTML and the text email, and what they show (``section`` in their context)."""

    html_template: str
    text_template: str
    data: Any


# (team, week, since, until, now) -> its section of that digest, or None for nothing to say.
SectionBuilder = Callable[
    [Team, str, dt.datetime, dt.datetime, dt.datetime], "DigestSection | None"
]
SECTION_BUILDERS: list[SectionBuilder] = []


def register_section(builder: SectionBuilder) -> SectionBuilder:
    """Add a section to every digest, after the digest's own (usable as a decorator)."""
    if builder not in SECTION_BUILDERS:
        SECTION_BUILDERS.append(builder)
    return builder


@dataclass
class Digest:
    team: Team
    week: str
    since: dt.datetime
    until: dt.datetime
    today: dt.date
    rows: list[DigestRow]
    missing: list[DigestRow]
    milestones: list[DueMilestone]
    gate_waits: list[GateWait]
    overrides: list[ActivityEvent]
    finished: list[Initiative]
    counts: dict[str, int] = field(default_factory=dict)
    sections: list[DigestSection] = field(default_factory=list)
    # Collaboration (initiatives.collab): open sign-off requests, overdue first, and the
    # comments posted on each initiative during the week.
    requests: list[WaitingRequest] = field(default_factory=list)
    comments: list[CommentCount] = field(default_factory=list)

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
        """Nothing to report: no active initiative, nothing finished or overridden, and no
        other subject's section."""
        return not (self.rows or self.finished or self.overrides or self.sections)

    @property
    def overdue(self) -> list[DueMilestone]:
        return [m for m in self.milestones if m.overdue]

    @property
    def due_soon(self) -> list[DueMilestone]:
        return [m for m in self.milestones if not m.overdue]


def _change(health: str, previous: str) -> str:
    if not health:
        return "missing"
    if not previous:
        return "new"
    # health_rank puts the worst first: a lower rank than last week's is worse.
    delta = health_rank(health) - health_rank(previous)
    return "worse" if delta < 0 else "better" if delta > 0 else "same"


def _digest_row(
    row: InitiativeRow,
    then: AsOf,
    dri: Any,
    week: str,
    this: StatusUpdate | None,
    before: StatusUpdate | None,
    moves: DateMoves,
) -> DigestRow:
    health = this.health if this else ""
    previous = before.health if before else ""
    last_week = row.extra[reads.WEEK_LAST_UPDATE] or ""
    created = timezone.localtime(row.initiative.created_at, row.team.tz).date()
    return DigestRow(
        initiative=row,
        state=then.state,
        dri=dri,
        health=health,
        previous_health=previous,
        change=_change(health, previous),
        progress=excerpt(this.progress) if this else "",
        risks=excerpt(this.risks) if this else "",
        next_week=excerpt(this.next_week) if this else "",
        moves=moves,
        last_update_week=last_week,
        last_health=row.extra[reads.WEEK_LAST_HEALTH] or "",
        # As the digest sent on the Monday after the week says it.
        stale=is_stale(
            state=then.state,
            last_update_week=last_week,
            created_week=iso_week(created),
            current_week=shift_week(week, 1),
        ),
    )


def digest_today(team: Team, week: str, now: dt.datetime) -> dt.date:
    """The date the digest of ``week`` judges "overdue" on, in the team's time zone: the day
    it is sent (its slot), or today if that is still to come."""
    sent = min(slot_at(team, JobKind.DIGEST, week), now)
    return team_today(team.tz, sent)


def build_digest(team: Team, week: str, *, now: dt.datetime | None = None) -> Digest:
    """Everything the digest of ``team`` for ``week`` says, as of the end of that week, in a
    fixed number of queries (whatever the number of initiatives): see
    ``tests/weekly/test_digest_content.py``. ValidationFailed for a week that has not ended
    or lies before the team existed (``schedule.check_digest_week``)."""
    now = now or timezone.now()
    check_digest_week(team, week, now, existed_since=reads.team_existed_since(team))  # 1 query
    since, until = week_bounds(team, week)
    today = digest_today(team, week, now)
    team_ids = [team.pk]
    candidates = reads.week_initiatives(team_ids, week=week, until=until)  # 1 query
    then = reads.as_of(candidates, until)  # 1
    initiatives = [row for row in candidates if then[row.pk].state in ACTIVE_STATES]
    dris = {row.pk: row.dri for row in initiatives}
    earlier = reads.users_by_id(  # 0 or 1
        then[row.pk].dri_id for row in initiatives if then[row.pk].dri_id != row.dri.pk
    )
    previous_week = shift_week(week, -1)
    updates = reads.updates_by_initiative((i.pk for i in initiatives), [week, previous_week])
    moves = reads.moves_by_milestone((i.current_milestone_id for i in initiatives), until=until)
    rows = [
        _digest_row(
            row,
            then[row.pk],
            earlier.get(then[row.pk].dri_id, dris[row.pk]),
            week,
            updates.get((row.pk, week)),
            updates.get((row.pk, previous_week)),
            moves.get(row.current_milestone_id or 0, DateMoves()),
        )
        for row in initiatives
    ]
    # Red or overdue blockers (blocked-by links): "at risk from PLAT-7". 0 or 1 query.
    at_risk = blockers_at_risk([row.pk for row in initiatives], today)
    if at_risk:
        rows = [replace(r, at_risk_from=tuple(at_risk.get(r.initiative.pk, ()))) for r in rows]
    # This week's health, worst first, as the dashboard sorts its red and yellow; within
    # each health group in the team's priority order (``Initiative.rank``).
    rows.sort(
        key=lambda r: (health_rank(r.health), r.initiative.initiative.rank, r.initiative.number)
    )
    counts = {h: sum(1 for r in rows if r.health == h) for h in Health.values}
    counts["missing"] = sum(1 for r in rows if not r.health)
    # Waiting at a gate at the end of the week: in the same state now as then (the missing
    # items are today's), and waiting since before the week ended.
    unchanged = [row for row in initiatives if then[row.pk].state == row.state]
    waits = [w for w in portfolio.waiting_at_gates(unchanged) if w.since < until]
    return Digest(
        team=team,
        week=week,
        since=since,
        until=until,
        today=today,
        rows=rows,
        missing=[r for r in rows if not r.health],
        milestones=portfolio.milestones_due(team_ids, today=today, created_before=until),
        gate_waits=waits,
        # Oldest first: the digest tells the week in order.
        overrides=portfolio.overrides_and_waivers(team_ids, since=since, until=until)[::-1],
        finished=portfolio.finished(team_ids, since=since, until=until),
        counts=counts,
        sections=[
            section
            for builder in SECTION_BUILDERS
            if (section := builder(team, week, since, until, now)) is not None
        ],
        requests=requests_waiting(team.pk, today),  # 1 query
        comments=comment_counts(team.pk, since, until),  # 1 query
    )


def digest_context(digest: Digest, recipient: Recipient | None = None) -> dict[str, Any]:
    return {
        "digest": digest,
        "team": digest.team,
        "site_url": settings.SITE_URL,
        "preview_url": preview_url(digest.team.key, digest.week),
        "unsubscribe_url": unsubscribe_url(digest.team.pk, recipient) if recipient else "",
        "recipient": recipient,
        "due_soon_days": DUE_SOON_DAYS,
        "health": {"on_track": Health.ON_TRACK, "at_risk": Health.AT_RISK},
        "colours": HEALTH_COLOURS,
        "states": dict(State.choices),
    }


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
