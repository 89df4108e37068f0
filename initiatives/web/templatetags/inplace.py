"""Tags of the in-place updates (``web/inplace.py``): the htmx attributes of a part of the
initiative page, and the messages placed next to an element."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.messages.storage.base import Message
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from initiatives.web.inplace import anchor_of

register = template.Library()

# Every part also refreshes the sticky header, the moves (gates and their counts) and the
# activity log: an action changes them all.
_ALWAYS = ("ibar", "moves", "activity")


@register.simple_tag
def part(name: str, *also: str, target: str = "") -> SafeString:
    """The attributes of an element whose posting forms (``hx-boost``) update it in place:
    htmx swaps this element (or ``target``) with the same element of the answer, and the
    other parts named in ``also`` (plus the header, moves and activity) out of band."""
    swapped = target or name
    attrs = format_html(
        'hx-target="#{}" hx-select="#{}" hx-swap="outerHTML" hx-push-url="false" data-part',
        swapped,
        swapped,
    )
    if target:  # the whole of ``target`` is swapped: the other parts are inside it
        return attrs
    oob = ",".join(f"#{p}" for p in (*_ALWAYS, *also) if p != swapped)
    return format_html('{} hx-select-oob="{}"', attrs, oob)


@register.simple_tag
def said(placed: dict[str, list[Message]] | None, anchor: str, ident: Any = None) -> SafeString:
    """The messages placed at ``anchor`` (``anchor-ident`` with an id), where the action that
    made them was."""
    if ident is not None:
        anchor = f"{anchor}-{ident}"
    found = (placed or {}).get(anchor)
    if not found:
        return SafeString("")
    items = format_html_join(
        "", '<li class="msg msg-{}">{}</li>', ((m.level_tag, m.message) for m in found)
    )
    role = "alert" if any(m.level_tag == "error" for m in found) else "status"
    return format_html('<ul class="messages placed" role="{}">{}</ul>', role, items)


@register.filter
def is_placed(message: Any) -> bool:
    """A message placed at an element of the initiative page (printed there, not on top)."""
    return bool(anchor_of(message))
