"""How much text a person may store, defined once: titles up to ``TITLE_CHARS``, every longer
text (summaries, scopes, updates, reasons, evidence, notes) up to ``TEXT_CHARS``. The services
check every write against these (``services.common.check_text``), so the web forms, the API and
the admin refuse the same input with the same message; the Markdown renderer's time is linear
in the text, and these caps bound it."""

from __future__ import annotations

from collections.abc import Mapping

TITLE_CHARS = 200
TEXT_CHARS = 20_000

# Fields capped at TITLE_CHARS; every other text field gets TEXT_CHARS.
TITLE_FIELDS = frozenset({"title", "name"})


def cap_of(field: str) -> int:
    return TITLE_CHARS if field in TITLE_FIELDS else TEXT_CHARS


def text_errors(fields: Mapping[str, object]) -> dict[str, list[str]]:
    """The messages for each text in ``fields`` that is too long or holds a NUL character
    (which PostgreSQL cannot store); non-text values are left to their own checks."""
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        cap = cap_of(name)
        if len(value) > cap:
            errors[name] = [f"At most {cap:,} characters (this has {len(value):,})."]
        elif "\x00" in value:
            errors[name] = ["Null characters are not allowed."]
    return errors
