"""Template helpers of the discussion: a comment's Markdown with its ``@mentions`` shown as
names, and the small links the initiative page's rows carry to their threads and requests."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from initiatives.rules.collab import MENTION_RE
from initiatives.web.templatetags.dates import day
from initiatives.web.templatetags.shipshape import person, render_markdown

register = template.Library()

# A mention in text between tags, never inside one (an attribute) or inside code.
_SEGMENTS = re.compile(r"(<code>.*?</code>|<[^>]+>)", re.S)


@register.simple_tag
def comment_html(body: str, names: dict[str, str]) -> SafeString:
    """``body`` as sanitised HTML (``render_markdown``), with each ``@handle`` of a person of
    the team shown as a mention of their name; other handles stay text."""
    html = render_markdown(body)
    if "@" not in html or not names:
        return mark_safe(html)  # nh3 has sanitised it

    def mention(match: re.Match[str]) -> str:
        handle = match.group(1).rstrip(".")
        name = names.get(handle.lower())
        if name is None:
            return match.group(0)
        rest = match.group(1)[len(handle) :]
        # ``name`` comes from the database: escaped by format_html.
        return str(
            format_html('<span class="mention" title="@{}">@{}</span>{}', handle, name, rest)
        )

    parts = _SEGMENTS.split(html)
    out = [part if part.startswith("<") else MENTION_RE.sub(mention, part) for part in parts]
    return mark_safe("".join(out))


@register.simple_tag
def discuss_link(discussion: Any, kind: str, pk: int, label: str = "Discuss") -> SafeString:
    """ "💬 3" to the thread on this part of the page, or "Discuss" to start one."""
    if discussion is None:
        return mark_safe("")
    count = discussion.counts.get((kind, pk), 0)
    if count:
        return format_html(
            '<a class="discuss" href="#thread-{}-{}">{} comment{}</a>',
            kind, pk, count, "" if count == 1 else "s",
        )  # fmt: skip
    if not discussion.can_comment:
        return mark_safe("")
    return format_html('<a class="discuss" href="?about={}:{}#new-comment">{}</a>', kind, pk, label)


@register.simple_tag
def item_requests(discussion: Any, item: Any) -> SafeString:
    """The open sign-off requests of a checklist item, and "Ask for sign-off" to whom may."""
    if discussion is None or not item.signoff_role:
        return mark_safe("")
    requests = discussion.requests.get(item.pk, [])
    shown = format_html_join(
        " ",
        '<span class="chip request{}">Asked of {}{}</span>',
        (
            (
                " overdue" if r.due_date and r.overdue_notified_at else "",
                person(r.reviewer),
                f", due {day(r.due_date)}" if r.due_date else "",
            )
            for r in requests
        ),
    )
    ask = ""
    if discussion.can_request and item.status == "open":
        ask = format_html(
            '<a class="btn small linklike" href="{}">Ask for sign-off</a>',
            reverse("signoff-request", args=[item.pk]),
        )
    if not requests and not ask:
        return mark_safe("")
    return format_html('<span class="requests">{} {}</span>', shown, ask)


@register.simple_tag
def update_counts(discussion: Any, pk: int) -> list[Any]:
    """The reactions on the weekly update ``pk``."""
    return discussion.update_reactions.get(("update", pk), []) if discussion else []
