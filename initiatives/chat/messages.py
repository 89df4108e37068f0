"""What each chat message says: the weekly reminder, the digest broadcast, the cross-team digest,
an event's one line, and the answers to slash commands. Built from the weekly cycle's own
reads (``weekly.reminders``, ``weekly.digest``), so chat and email say the same thing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse

from initiatives.chat import selectors as reads
from initiatives.chat.format import HEALTH_EMOJI, Markup, Message, Section
from initiatives.chat.models import ChatIdentity
from initiatives.models import ActivityEvent, Health, Initiative, Team
from initiatives.rules.workflow import parse_iso_week
from initiatives.weekly.digest import Digest, DigestRow, preview_url
from initiatives.weekly.jobs import Listing
from initiatives.weekly.selectors import without_update

MAX_ROWS = 40  # per section; the rest is on the web page the message links to


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def initiative_url(initiative: Initiative) -> str:
    return absolute(initiative.get_absolute_url())


def update_form_url(initiative: Initiative) -> str:
    return absolute(reverse("status-update", kwargs={"key": initiative.key}))


def person(markup: Markup, user: Any, handles: dict[int, ChatIdentity]) -> str:
    identity = handles.get(user.pk)
    return markup.mention(
        slack_id=identity.slack_user_id if identity else "",
        mattermost_username=identity.mattermost_username if identity else "",
        name=user.get_full_name() or user.get_username(),
    )


def _capped(lines: list[str], total: int, markup: Markup, url: str) -> list[str]:
    if total > len(lines):
        lines.append(f"… and {total - len(lines)} more: {markup.link(url, 'see all')}")
    return lines


# --- The reminder ------------------------------------------------------------------------------


def reminder_message(kind: str, team: Team, week: str) -> Message | None:
    """The initiatives of ``team`` without an update for ``week``, each with its DRI mentioned
    and a link to its update form; None when every active initiative has one (two queries)."""
    initiatives = without_update([team.pk], week=week)
    if not initiatives:
        return None
    markup = Markup(kind)
    handles = reads.identities(i.dri_id for i in initiatives)
    deadline = parse_iso_week(week) + dt.timedelta(days=6)
    lines = [
        f"• {markup.link(update_form_url(i), f'{i.key} {i.title}')} — "
        f"{person(markup, i.dri, handles)}"
        for i in initiatives[:MAX_ROWS]
    ]
    board = absolute(reverse("team-detail", kwargs={"team_key": team.key}))
    count = len(initiatives)
    noun = "initiative has" if count == 1 else "initiatives have"
    return Message(
        kind=kind,
        header=f"{team.name}: weekly updates due for {week}",
        fallback=f"{count} {noun} no update for {week} yet ({team.key}).",
        intro=f"{count} {noun} no update for {week} yet; please post by "
        f"{deadline:%A %-d %B}. Each link opens the update form.",
        sections=[Section(heading="", lines=_capped(lines, count, markup, board))],
    )


def listing_message(kind: str, listing: Listing) -> Message:
    """Another subject's weekly reminder (goals' key-result check-ins): each item linked, with
    the person asked mentioned by chat handle (one query)."""
    markup = Markup(kind)
    handles = reads.identities(item.person.pk for item in listing.items)
    lines = [
        f"• {markup.link(item.url, item.label)} — {person(markup, item.person, handles)}"
        for item in listing.items[:MAX_ROWS]
    ]
    return Message(
        kind=kind,
        header=listing.header,
        fallback=listing.fallback,
        intro=markup.text(listing.intro),
        sections=[
            Section(heading="", lines=_capped(lines, len(listing.items), markup, listing.more_url))
        ],
    )


# --- The digest --------------------------------------------------------------------------------


def _counts(digest: Digest) -> str:
    c = digest.counts
    parts = [
        f"{HEALTH_EMOJI['on_track']} {c[Health.ON_TRACK]} on track",
        f"{HEALTH_EMOJI['at_risk']} {c[Health.AT_RISK]} at risk",
        f"{HEALTH_EMOJI['off_track']} {c[Health.OFF_TRACK]} off track",
    ]
    if c["missing"]:
        parts.append(f"{HEALTH_EMOJI['']} {c['missing']} without an update")
    return " · ".join(parts)


def _row_line(markup: Markup, row: DigestRow) -> str:
    initiative = row.initiative.initiative
    label = f"{initiative.key} {initiative.title}"
    line = f"{HEALTH_EMOJI[row.health]} {markup.link(initiative_url(initiative), label)}"
    if row.risks:
        line += f" — {markup.text(row.risks)}"
    return line


def digest_sections(markup: Markup, digest: Digest, *, heading: str = "") -> list[Section]:
    """The digest of one team as sections: counts, red and yellow first with their risks,
    gates waiting, slips, what finished."""
    more = preview_url(digest.team.key, digest.week)
    sections = [Section(heading=heading or markup.bold("The week"), lines=[_counts(digest)])]
    worrying = [r for r in digest.rows if r.health in (Health.OFF_TRACK, Health.AT_RISK)]
    if worrying:
        lines = [_row_line(markup, r) for r in worrying[:MAX_ROWS]]
        sections.append(
            Section(
                heading=markup.bold("Off track and at risk"),
                lines=_capped(lines, len(worrying), markup, more),
                health=worrying[0].health,
            )
        )
    if digest.gate_waits:
        lines = []
        for wait in digest.gate_waits[:MAX_ROWS]:
            initiative = wait.row.initiative
            gate = "Definition of Ready" if wait.gate.kind == "ready" else "Definition of Done"
            missing = len(wait.gate.missing)
            lines.append(
                f"• {markup.link(initiative_url(initiative), initiative.key)} waits at the "
                f"{gate}: {missing} item{'s' if missing != 1 else ''} missing"
            )
        sections.append(
            Section(
                heading=markup.bold("Waiting at a gate"),
                lines=_capped(lines, len(digest.gate_waits), markup, more),
            )
        )
    slipped = [r for r in digest.rows if r.moves.slips]
    if slipped:
        lines = [
            f"• {markup.link(initiative_url(r.initiative.initiative), r.initiative.key)} "
            f"{markup.text(r.milestone_title or 'milestone')}: {markup.text(r.moves.summary)}"
            for r in slipped[:MAX_ROWS]
        ]
        sections.append(
            Section(heading=markup.bold("Slips"), lines=_capped(lines, len(slipped), markup, more))
        )
    if digest.finished:
        lines = [
            f"• {markup.link(initiative_url(i), f'{i.key} {i.title}')}"
            for i in digest.finished[:MAX_ROWS]
        ]
        sections.append(
            Section(
                heading=markup.bold("Finished"),
                lines=_capped(lines, len(digest.finished), markup, more),
                health=Health.ON_TRACK,
            )
        )
    return sections


def digest_message(kind: str, report: Digest) -> Message:
    markup = Markup(kind)
    url = preview_url(report.team.key, report.week)
    return Message(
        kind=kind,
        header=f"{report.team.name}: weekly digest {report.week}",
        fallback=report.subject,
        sections=digest_sections(markup, report),
        footer=markup.link(url, "Read the whole digest on Shipshape"),
        more_url=url,
    )


def cross_team_digest(kind: str, digests: list[Digest], week: str) -> Message:
    """One message for several teams: red and yellow first across all of them, then a section
    per team."""
    markup = Markup(kind)
    worrying = sorted(
        (r for d in digests for r in d.rows if r.health in (Health.OFF_TRACK, Health.AT_RISK)),
        key=lambda r: (r.health != Health.OFF_TRACK, r.initiative.key),
    )
    sections: list[Section] = []
    if worrying:
        lines = [_row_line(markup, r) for r in worrying[:MAX_ROWS]]
        if len(worrying) > MAX_ROWS:
            lines.append(f"… and {len(worrying) - MAX_ROWS} more in the teams' digests")
        sections.append(
            Section(
                heading=markup.bold("Off track and at risk, all teams"),
                lines=lines,
                health=worrying[0].health,
            )
        )
    for one in digests:
        url = preview_url(one.team.key, one.week)
        heading = (
            markup.bold(f"{one.team.name} ({one.team.key})") + " · " + markup.link(url, "digest")
        )
        team_sections = digest_sections(markup, one, heading=heading)
        # The team's red and yellow are in the first section already.
        sections.extend(s for s in team_sections if "Off track and at risk" not in s.heading)
    teams = ", ".join(d.team.key for d in digests)
    return Message(
        kind=kind,
        header=f"Weekly digest {week}: {teams}",
        fallback=f"Weekly digest {week} of {teams}: {len(worrying)} off track or at risk.",
        sections=sections,
    )


def cross_team_text(digests: list[Digest], week: str) -> tuple[str, str]:
    """The cross-team digest as an email's subject and plain text."""
    message = cross_team_digest("mattermost", digests, week)
    lines = [message.header, ""]
    for section in message.sections:
        lines += [section.heading.replace("**", ""), *section.lines, ""]
    body = "\n".join(lines).replace("\\", "").replace("@\u200b", "@")
    return message.header, body


# --- Events ------------------------------------------------------------------------------------


def event_message(kind: str, event: ActivityEvent) -> Message:
    """One line: who did what, with a link to the initiative."""
    markup = Markup(kind)
    who = event.actor_name or "Shipshape"
    line = f"{markup.text(who)}: {markup.text(event.summary)}"
    health = str((event.after or {}).get("health", ""))
    if event.verb.startswith("status_update.") and health in HEALTH_EMOJI:
        line = f"{HEALTH_EMOJI[health]} {line}"
    url = initiative_url(event.initiative) if event.initiative else absolute("/")
    label = event.initiative.key if event.initiative else event.team.key
    text = f"{line} ({markup.link(url, label)})"
    return Message(
        kind=kind,
        header=f"{event.team.key}: {event.verb}",
        fallback=f"{who}: {event.summary}",
        intro=text,
    )


def event_payload(kind: str, event: ActivityEvent) -> dict[str, Any]:
    """An event is one line: a section without a header block (Slack), one attachment-free
    post (Mattermost)."""
    message = event_message(kind, event)
    if Markup(kind).slack:
        return {
            "text": message.fallback[:3000],
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": message.intro}}],
        }
    return {"text": message.intro}
