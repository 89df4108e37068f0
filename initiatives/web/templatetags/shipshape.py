"""Template helpers for the web UI: Markdown that is safe to show, and small display chips."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import urlencode

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options as CmarkOptions
from django import template
from django.http import HttpRequest
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django_stubs_ext import StrOrPromise

from initiatives.models import HEALTH_COLOUR
from initiatives.rules.workflow import weeks_between

register = template.Library()

# Status updates are prose and small tables: no images (tracking pixels), no raw HTML
# survives. nh3 drops <script>/<style> with their content, every on* attribute and any link
# whose scheme is not listed (javascript:, data:, vbscript:).
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "del", "s",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

# The renderer is cmark-gfm (GitHub's CommonMark, in C): its time grows linearly with the text
# for every input (its test suite has the pathological cases), a 20,000-character text renders
# in milliseconds. The pure-Python renderers are linear too, but take 150-400 ms on 20,000
# brackets. Default options are cmark's safe mode: raw HTML is omitted and dangerous link
# schemes are dropped before nh3 sees the output. GitHub's tables, strikethrough and bare-URL
# links are on; task lists are not (their checkboxes would be removed by nh3 anyway).
CMARK_EXTENSIONS = ["table", "strikethrough", "autolink", "tagfilter"]
CMARK_OPTIONS = CmarkOptions.CMARK_OPT_DEFAULT

# Quotes and lists nested deeper than this are shown as plain text: nothing written by a
# person nests so deep, and HTML parsers (nh3's html5ever, browsers) spend time quadratic in
# the nesting depth (5,000 nested ">" take nh3 ~100 ms).
MAX_BLOCK_DEPTH = 32
_BLOCK_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|li)[\s>]")

# Rendering is a pure function of the source text (the renderer, its extensions and the
# allow-lists above are fixed in code), so its output can be cached by the text itself: an
# edited update is different text and misses the cache; nothing ever needs invalidating. The
# cache lives per process and is bounded: MARKDOWN_CACHE_SIZE entries, none longer than
# MARKDOWN_CACHE_MAX_CHARS (a page of updates is ~60 fields; a long paste is rendered afresh).
MARKDOWN_CACHE_SIZE = 4096
MARKDOWN_CACHE_MAX_CHARS = 8192


def _nested_too_deep(html: str) -> bool:
    """Whether cmark's output nests block containers beyond MAX_BLOCK_DEPTH (cmark escapes
    every "<" of the text, so each match is a tag it wrote)."""
    depth = 0
    for match in _BLOCK_TAG.finditer(html):
        depth += -1 if match.group(1) else 1
        if depth > MAX_BLOCK_DEPTH:
            return True
    return False


def _render_markdown(text: str) -> str:
    html = cmarkgfm.markdown_to_html_with_extensions(
        text, options=CMARK_OPTIONS, extensions=CMARK_EXTENSIONS
    )
    if _nested_too_deep(html):
        html = linebreaks(text, autoescape=True)
    # Sanitising the output (not the input) is what makes the result safe, so nh3 always
    # runs last, whatever cmark's own safe mode already removed.
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


_render_markdown_cached = functools.lru_cache(maxsize=MARKDOWN_CACHE_SIZE)(_render_markdown)


def render_markdown(text: str) -> str:
    """``text`` as sanitised HTML (a plain ``str``: callers decide whether to mark it safe)."""
    text = text or ""
    if len(text) > MARKDOWN_CACHE_MAX_CHARS:
        return _render_markdown(text)
    return _render_markdown_cached(text)


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    # Safe because nh3 has sanitised it; never mark the raw Markdown safe.
    return mark_safe(render_markdown(text))


# By the stored value (HEALTH_COLOUR is keyed by the choices).
_COLOUR_OF: dict[str, str] = {health.value: colour for health, colour in HEALTH_COLOUR.items()}


@register.simple_tag
def health_chip(health: str, label: str = "") -> SafeString:
    """The green / yellow / red chip of a health value (built in Python: it repeats on every
    row of the board and the tables)."""
    if not health:
        return mark_safe('<span class="chip health-none">No update</span>')
    return format_html(
        '<span class="chip health-{}"><span class="dot" aria-hidden="true"></span>{}</span>',
        _COLOUR_OF.get(health, "none"),
        label or health,
    )


@register.simple_tag
def query_with(request: HttpRequest, **changes: object) -> str:
    """The current query string with ``changes`` applied (empty values removed): sort links
    and view switches keep the filters already chosen."""
    params = request.GET.copy()
    for name, value in changes.items():
        if value in ("", None):
            params.pop(name, None)
        else:
            params[name] = str(value)
    encoded = urlencode(sorted((k, v) for k, vs in params.lists() for v in vs if v != ""))
    return f"?{encoded}" if encoded else "?"


@register.filter
def sort_toggle(current: str, column: str) -> str:
    """The sort parameter a column header links to: ascending first, then descending."""
    return f"-{column}" if current == column else column


@register.filter
def sort_state(current: str, column: str) -> str:
    """The header's ``aria-sort`` value."""
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


@register.filter
def weeks_since(week: str, current: str) -> str:
    """'this week', '1 week ago', 'n weeks ago' or 'never' for an ISO week string."""
    if not week:
        return "never"
    weeks = weeks_between(week, current)
    if weeks <= 0:
        return "this week"
    return "1 week ago" if weeks == 1 else f"{weeks} weeks ago"


@register.filter
def person(user: object, fallback: str = "nobody") -> str:
    """A user's full name, else their username; ``fallback`` for no user (a deleted actor,
    an unassigned task)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]


class Options:
    """The ``<option>`` elements of a ``<select>`` that repeats on every row of a table (the
    task table's assignee and state pickers): values and labels are escaped once per page, and
    each row only marks its own value selected. ``blank`` adds a first option with value ""."""

    def __init__(self, choices: Iterable[tuple[object, StrOrPromise]], *, blank: str | None = None):
        pairs: list[tuple[str, StrOrPromise]] = [("", blank)] if blank is not None else []
        pairs += [(str(value), label) for value, label in choices]
        self._options = [
            (
                value,
                f'<option value="{conditional_escape(value)}"',
                f">{conditional_escape(label)}</option>",
            )
            for value, label in pairs
        ]
        # Rows share values (50 tasks, 10 people): each distinct selection is joined once.
        self._rendered: dict[str, SafeString] = {}

    def render(self, selected: object = None) -> SafeString:
        chosen = "" if selected is None else str(selected)
        if chosen not in self._rendered:
            # Safe: every value and label was escaped in __init__.
            self._rendered[chosen] = mark_safe(
                "".join(
                    f"{head} selected{tail}" if value == chosen else f"{head}{tail}"
                    for value, head, tail in self._options
                )
            )
        return self._rendered[chosen]


@register.simple_tag
def options(choices: Options, selected: object = None) -> SafeString:
    """``{% options assignee_options task.assignee_id %}``: the options, ``selected`` marked."""
    return choices.render(selected)
