"""The API's reading of request bodies: JSON, refused with 400 before any view sees it when it
nests deeper than ``MAX_DEPTH`` (Python's parser would hit its recursion limit near 1,000 and
answer 500) or holds a NUL character or a lone surrogate (``"\\ud800"`` in JSON, not a character: it
cannot be encoded, for PostgreSQL or anything else) in any key or string.
Query strings are checked by ``tracker.request_checks``, then by ``api.validation``."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

# No request of this API nests deeper than a list of objects in an object (3); generous.
MAX_DEPTH = 32
NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Surrogate characters are not allowed."


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL_MESSAGE
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def _problem(data: Any) -> tuple[str, str] | None:
    """(where, message) of the first thing refused in ``data``: walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            return where or "non_field_errors", f"Nested deeper than {MAX_DEPTH} levels."
        if isinstance(value, str):
            refusal = _text_problem(value)
            if refusal:
                return where or "non_field_errors", refusal
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                refusal = _text_problem(key)
                if refusal:
                    return name.encode("utf-8", "replace").decode().replace("\x00", ""), refusal
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{where}.{i}" if where else str(i), depth + 1)
                for i, item in enumerate(value)
            )
    return None


def _cleaned_text(text: str) -> str:
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def cleaned(data: Any, depth: int = 1) -> Any:
    """``data`` without NUL characters and lone surrogates (each becomes ``?``), in keys and
    strings; nesting past ``MAX_DEPTH`` is refused as by ``StrictJSONParser``."""
    if depth > MAX_DEPTH:
        raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
    if isinstance(data, str):
        return _cleaned_text(data)
    if isinstance(data, dict):
        return {_cleaned_text(str(k)): cleaned(v, depth + 1) for k, v in data.items()}
    if isinstance(data, list):
        return [cleaned(item, depth + 1) for item in data]
    return data


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        problem = _problem(data)
        if problem is not None:
            where, message = problem
            raise ValidationError({where: [message]})
        return data


class LenientJSONParser(JSONParser):
    """For bodies that machines send as they are (an alert source's webhook): characters no
    database can store are dropped rather than refused."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        return cleaned(data)
