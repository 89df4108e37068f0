"""A chat message, built once for either kind: a header, sections of lines, a link, and a
plain-text fallback; then written as Slack Block Kit (``blocks`` and ``text``) or as
Mattermost's Slack-compatible attachments with Markdown.

People's text is escaped for each: in Slack ``&``, ``<`` and ``>`` (so no text can become a
link or an ``<!channel>``), in Mattermost the Markdown marks and ``@`` (so a title such as
"@all hands" mentions nobody). Slack's documented limits are kept: at most 50 blocks, 3,000
characters per section text, 150 per header; a longer message ends with a link to the rest.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from initiatives.chat.models import ChatKind
from initiatives.rules import colours

SLACK_MAX_BLOCKS = 50
SLACK_MAX_TEXT = 3000
SLACK_MAX_HEADER = 150
# Mattermost accepts posts of up to 16,383 characters; attachments stay well below.
MATTERMOST_MAX_TEXT = 7000
FALLBACK_MAX = 3000

HEALTH_EMOJI = {"off_track": "🔴", "at_risk": "🟡", "on_track": "🟢", "": "⚪"}
# The shared colour tokens (rules.colours).
HEALTH_COLOUR = {name: colours.health(name).fg for name in ("off_track", "at_risk", "on_track", "")}


class Markup:
    """How links, emphasis, mentions and people's text are written in one kind of chat."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def slack(self) -> bool:
        return self.kind == ChatKind.SLACK

    def text(self, value: str) -> str:
        value = re.sub(r"\s+", " ", value or "").strip()
        if self.slack:
            return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        value = re.sub(r"([\\`*_~\[\]()#|>])", r"\\\1", value)
        return value.replace("@", "@\u200b")

    def bold(self, value: str) -> str:
        return f"*{self.text(value)}*" if self.slack else f"**{self.text(value)}**"

    def link(self, url: str, label: str) -> str:
        if self.slack:
            return f"<{url}|{self.text(label).replace('|', '¦')}>"
        return f"[{self.text(label)}]({url})"

    def mention(self, *, slack_id: str, mattermost_username: str, name: str) -> str:
        """A person by their chat handle; without one, their display name."""
        if self.slack and slack_id:
            return f"<@{slack_id}>"
        if not self.slack and mattermost_username:
            return f"@{mattermost_username}"
        return self.bold(name)


@dataclass
class Section:
    heading: str  # already formatted
    lines: list[str] = field(default_factory=list)  # already formatted
    health: str = ""  # colours a Mattermost attachment


@dataclass
class Message:
    kind: str
    header: str  # plain text
    fallback: str  # plain text (notifications, clients without blocks)
    intro: str = ""  # formatted
    sections: list[Section] = field(default_factory=list)
    footer: str = ""  # formatted: the link to the web page
    more_url: str = ""  # where the rest is, when the message had to be cut

    def payload(self) -> dict[str, Any]:
        return slack_payload(self) if self.kind == ChatKind.SLACK else mattermost_payload(self)


def _chunks(heading: str, lines: list[str], limit: int) -> list[str]:
    """``heading`` and ``lines`` packed into texts of at most ``limit`` characters; a single
    line longer than that is cut."""
    chunks: list[str] = []
    current = heading
    for line in lines:
        line = line if len(line) <= limit - 2 else line[: limit - 3] + "…"
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def slack_payload(message: Message) -> dict[str, Any]:
    header = message.header[:SLACK_MAX_HEADER]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}}
    ]
    texts: list[str] = _chunks("", [message.intro], SLACK_MAX_TEXT) if message.intro else []
    for section in message.sections:
        texts.extend(_chunks(section.heading, section.lines, SLACK_MAX_TEXT))
    # Keep room for the footer and a "more" line.
    room = SLACK_MAX_BLOCKS - len(blocks) - (1 if message.footer else 0)
    if len(texts) > room:
        cut = len(texts) - (room - 1)
        more = f"… {cut} more part(s) not shown"
        if message.more_url:
            more += f": <{message.more_url}|see the whole message>"
        texts = [*texts[: room - 1], more]
    blocks.extend({"type": "section", "text": {"type": "mrkdwn", "text": t}} for t in texts)
    if message.footer:
        footer = message.footer[:SLACK_MAX_TEXT]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": message.fallback[:FALLBACK_MAX], "blocks": blocks}


def mattermost_payload(message: Message) -> dict[str, Any]:
    attachments: list[dict[str, Any]] = []
    if message.intro:
        attachments.append({"fallback": message.fallback[:FALLBACK_MAX], "text": message.intro})
    for section in message.sections:
        for text in _chunks(section.heading, section.lines, MATTERMOST_MAX_TEXT):
            attachments.append(
                {
                    "fallback": message.fallback[:FALLBACK_MAX],
                    "color": HEALTH_COLOUR.get(section.health, HEALTH_COLOUR[""]),
                    "text": text,
                }
            )
    if message.footer:
        attachments.append({"fallback": message.fallback[:FALLBACK_MAX], "text": message.footer})
    if attachments:
        attachments[0]["pretext"] = f"#### {message.header}"
    return {"text": "" if attachments else message.header, "attachments": attachments}


def slack_limit_errors(payload: dict[str, Any]) -> list[str]:
    """Where a Block Kit payload breaks Slack's documented limits (empty when it does not)."""
    errors: list[str] = []
    blocks = payload.get("blocks", [])
    if len(blocks) > SLACK_MAX_BLOCKS:
        errors.append(f"{len(blocks)} blocks (at most {SLACK_MAX_BLOCKS})")
    if not payload.get("text"):
        errors.append("no text fallback")
    for n, block in enumerate(blocks):
        texts = [
            block.get("text"),
            *list(block.get("elements", [])),
            *list(block.get("fields", [])),
        ]
        limit = SLACK_MAX_HEADER if block.get("type") == "header" else SLACK_MAX_TEXT
        for text in texts:
            if text is None:
                continue
            value = text.get("text", "")
            if not value:
                errors.append(f"block {n}: empty text")
            if len(value) > limit:
                errors.append(f"block {n}: {len(value)} characters (at most {limit})")
    return errors


SLACK_TOKEN = re.compile(r"<([^<>]*)>")


def _slack_literal(text: str) -> str:
    """Slack's escaped text as HTML: its three entities back to characters, then escaped for
    HTML, with ``*bold*`` shown bold."""
    plain = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    escaped = html.escape(plain, quote=False)
    return re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<strong>\1</strong>", escaped)


def slack_mrkdwn_html(text: str) -> str:
    """How Slack shows a ``mrkdwn`` text, as safe HTML (the web preview): links, mentions and
    bold; anything else is text."""
    parts: list[str] = []
    last = 0
    for token in SLACK_TOKEN.finditer(text):
        parts.append(_slack_literal(text[last : token.start()]))
        inner = token.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            parts.append(f'<span class="mention">{html.escape(target)}</span>')
        elif target.startswith(("http://", "https://")):
            shown = _slack_literal(label) if label else html.escape(target)
            parts.append(f'<a href="{html.escape(target)}">{shown}</a>')
        else:
            parts.append(html.escape(f"<{inner}>"))
        last = token.end()
    parts.append(_slack_literal(text[last:]))
    return "".join(parts).replace("\n", "<br>")
