"""Path converters shared by both transports: a path segment that cannot name an object never
reaches a view, so the URL itself answers 404 (JSON under ``/api/``) instead of a view turning
``"²"`` into ``int()`` or sending a NUL byte to PostgreSQL. Only ASCII digits and letters
match (``[0-9]``, not ``\\d``, which also matches ``"²"`` and Arabic-Indic digits).

Registered when this module is imported (by ``initiatives/api/urls.py`` and
``initiatives/web/urls.py``): ``<team:key>``, ``<initiative:key>``, ``<id:pk>``, ``<token:token>``.
"""

from __future__ import annotations

from django.urls import register_converter


class TeamKeyConverter:
    """A team key as typed in a URL (any case; the views compare it upper-cased)."""

    regex = "[A-Za-z][A-Za-z0-9]{1,9}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class InitiativeKeyConverter(TeamKeyConverter):
    """``KEY-N``: a team key and a number that fits the database's integer."""

    regex = "[A-Za-z][A-Za-z0-9]{1,9}-[0-9]{1,9}"


class IdConverter:
    """A database id: digits that fit a 64-bit integer (others are a 404, not an overflow)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class SignedTokenConverter(TeamKeyConverter):
    """A signed token (``django.core.signing``: URL-safe base64 and ``:``), of bounded length."""

    regex = "[A-Za-z0-9_:=-]{1,1000}"


register_converter(TeamKeyConverter, "team")
register_converter(InitiativeKeyConverter, "initiative")
register_converter(IdConverter, "id")
register_converter(SignedTokenConverter, "token")
