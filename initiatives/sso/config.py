"""Single sign-on settings (environment variables, read in ``tracker/settings.py``) and the
provider's discovery document, fetched once per process (and again after an hour)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings

from initiatives.models import Role

DISCOVERY_TTL = 3600
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()

# When several groups give a person roles in one team, the first of these wins.
ROLE_PRECEDENCE = (Role.EM, Role.PM, Role.SECURITY, Role.LEGAL, Role.ENGINEER, Role.VIEWER)


class SSOUnavailable(Exception):
    """Single sign-on is not configured, or the provider's discovery document cannot be read."""


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_DISCOVERY_URL", ""))


def password_login() -> bool:
    """Whether the username and password form is offered (always, without single sign-on)."""
    return bool(getattr(settings, "PASSWORD_LOGIN", True)) or not enabled()


def provider_name() -> str:
    return str(getattr(settings, "OIDC_PROVIDER_NAME", "") or "single sign-on")


def discovery() -> dict[str, Any]:
    """The provider's OpenID configuration (``issuer``, ``authorization_endpoint``,
    ``token_endpoint``, ``userinfo_endpoint``, ``jwks_uri``, optional
    ``end_session_endpoint``)."""
    url = getattr(settings, "OIDC_DISCOVERY_URL", "")
    if not url:
        raise SSOUnavailable("Single sign-on is not configured.")
    with _lock:
        cached = _cache.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    try:
        response = requests.get(url, timeout=getattr(settings, "OIDC_TIMEOUT", 10))
        response.raise_for_status()
        document = response.json()
        missing = [
            key
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not document.get(key)
        ]
    except (requests.RequestException, ValueError) as error:
        raise SSOUnavailable(f"The identity provider's discovery document: {error}") from None
    if missing:
        raise SSOUnavailable(f"The discovery document lacks {', '.join(missing)}.")
    with _lock:
        _cache[url] = (time.monotonic() + DISCOVERY_TTL, document)
    return document


def forget_discovery() -> None:
    with _lock:
        _cache.clear()


@dataclass(frozen=True)
class Grant:
    team: str
    role: str


def group_roles(text: str) -> dict[str, list[Grant]]:
    """``OIDC_GROUP_ROLES``: ``group=TEAM:role`` pairs separated by commas or semicolons (a
    group may grant roles in several teams). Refuses a malformed pair or an unknown role."""
    mapping: dict[str, list[Grant]] = {}
    for pair in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        group, sep, grant = pair.rpartition("=")
        team, colon, role = grant.partition(":")
        if not (sep and group.strip() and colon and team.strip()) or role not in Role.values:
            raise ValueError(
                f"OIDC_GROUP_ROLES: {pair!r} should be group=TEAM:role with role one of "
                f"{', '.join(Role.values)}."
            )
        mapping.setdefault(group.strip(), []).append(Grant(team.strip().upper(), role))
    return mapping


def roles_for(groups: list[str], mapping: dict[str, list[Grant]]) -> dict[str, str]:
    """The role in each mapped team that ``groups`` give (the strongest when several do)."""
    roles: dict[str, str] = {}
    for group in groups:
        for grant in mapping.get(group, []):
            current = roles.get(grant.team)
            if current is None or ROLE_PRECEDENCE.index(Role(grant.role)) < ROLE_PRECEDENCE.index(
                Role(current)
            ):
                roles[grant.team] = grant.role
    return roles


def mapped_teams(mapping: dict[str, list[Grant]]) -> set[str]:
    return {grant.team for grants in mapping.values() for grant in grants}


def end_session_url(id_token: str | None, after: str) -> str:
    """The provider's end-session URL for a sign-out (RP-initiated logout), or empty when the
    person did not sign in through the provider or it has no end-session endpoint."""
    if not id_token or not enabled():
        return ""
    try:
        endpoint = discovery().get("end_session_endpoint", "")
    except SSOUnavailable:
        return ""
    if not endpoint:
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": after,
            "client_id": getattr(settings, "OIDC_RP_CLIENT_ID", ""),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
