"""Markdown as plain text: what an email excerpt, a search snippet or a chat line shows of a
field written in Markdown. The text is rendered as the page renders it (cmark-gfm, raw HTML
omitted) and the tags are then dropped, so a link shows its label, emphasis its words, a
table its cells, and HTML typed into the text shows nothing of its tags."""

from __future__ import annotations

import html
import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options as CmarkOptions

_EXTENSIONS = ["table", "strikethrough", "autolink", "tagfilter"]
# Where one block or cell ends, a space: "a</p><p>b" reads "a b", not "ab".
_BREAKS = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|td|th)>|<br\s*/?>|<hr\s*/?>", re.I)


def markdown_to_text(text: str, limit: int | None = None) -> str:
    """``text`` (Markdown) as one line of plain text; only its first ``limit`` characters
    (when given) are looked at, so a long text costs no more than a short one."""
    source = (text or "")[:limit] if limit else (text or "")
    rendered = cmarkgfm.markdown_to_html_with_extensions(
        source, options=CmarkOptions.CMARK_OPT_DEFAULT, extensions=_EXTENSIONS
    )
    spaced = _BREAKS.sub(" ", rendered)
    bare = nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"})
    return " ".join(html.unescape(bare).split())
