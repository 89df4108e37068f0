"""What a search box's text means: its words, lower-cased, at most ``MAX_WORDS`` of them.

A word is a run of letters and digits (any script); everything else separates words, so no
character of the query ever reaches SQL or a tsquery as syntax. A query longer than
``MAX_QUERY_CHARS`` is refused (the web page and the API answer 400 ``query_too_long``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_WORD_CHARS = 40
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# ``PLAT-12``: an initiative key typed as such.
_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]{0,15})-(\d{1,9})\s*$")


class QueryTooLong(ValueError):
    code = "query_too_long"

    def __init__(self) -> None:
        super().__init__(f"A search is at most {MAX_QUERY_CHARS} characters.")


@dataclass(frozen=True)
class Query:
    text: str
    words: tuple[str, ...]
    key: tuple[str, int] | None = None

    def __bool__(self) -> bool:
        return bool(self.words)


def parse(text: str | None) -> Query:
    text = (text or "").replace("\x00", " ").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong()
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word[:MAX_WORD_CHARS]
        if word not in words:
            words.append(word)
        if len(words) == MAX_WORDS:
            break
    match = _KEY.match(text)
    key = (match.group(1).upper(), int(match.group(2))) if match else None
    return Query(text=text, words=tuple(words), key=key)


def tsquery(words: tuple[str, ...]) -> str:
    """PostgreSQL's raw tsquery for "every word, as a prefix": ``preview:* & per:*``. The
    words hold only letters and digits (``parse``), so nothing in them is tsquery syntax."""
    return " & ".join(f"{word}:*" for word in words)
