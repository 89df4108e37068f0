"""Personal access tokens: create (the token is returned once), revoke (one, or all of a user's
when their password is reset), authenticate.

A token is ``ssp_`` followed by 43 url-safe characters (256 random bits); only its SHA-256 is
stored, so a leaked database does not leak working tokens. The prefix makes tokens easy to
recognise for secret scanners and in logs."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from initiatives.rules.exceptions import NotFound, ValidationFailed
from initiatives.tokens.models import PersonalAccessToken

TOKEN_PREFIX = "ssp_"
# Recording every use would turn each API read into a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650


# --- The per-process cache of verified tokens ---------------------------------------------------
# A verified token's row and user are kept in this process for at most
# settings.API_TOKEN_CACHE_SECONDS (README "Security": how long a revocation made elsewhere
# takes), so that an API request does not build and run an ORM query for its token. Revoking
# through the services below, saving or deleting the token or its user drops the entries at
# once in the process that did it. Each hit hands out copies, never the cached objects.

_verified: dict[str, tuple[float, PersonalAccessToken]] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 2048
_clock = time.monotonic


def forget_verified(*, token_hash: str | None = None, user_id: int | None = None) -> None:
    """Drop cached verifications: of one token, of every token of one user, or (neither given)
    all of them."""
    with _verified_lock:
        if token_hash is None and user_id is None:
            _verified.clear()
            return
        for key, (_, row) in list(_verified.items()):
            if key == token_hash or row.user_id == user_id:
                _verified.pop(key, None)


def _remember(token_hash: str, row: PersonalAccessToken) -> None:
    seconds = settings.API_TOKEN_CACHE_SECONDS
    if seconds <= 0:
        return
    pristine = copy.copy(row)
    pristine._state.fields_cache["user"] = copy.copy(row.user)
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[token_hash] = (_clock() + seconds, pristine)


def _recall(token_hash: str) -> PersonalAccessToken | None:
    entry = _verified.get(token_hash)
    if entry is None:
        return None
    deadline, pristine = entry
    if _clock() >= deadline:
        _verified.pop(token_hash, None)
        return None
    row = copy.copy(pristine)
    row._state.fields_cache["user"] = copy.copy(pristine.user)
    return row


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(
    *, user: Any, name: str, expires_in_days: int | None = None
) -> tuple[PersonalAccessToken, str]:
    """Create a token for ``user``; returns the row and the token (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": ["Give the token a name."]})
    if len(name) > 100:
        raise ValidationFailed(fields={"name": ["At most 100 characters."]})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValidationFailed(
            fields={"expires_in_days": [f"Between 1 and {MAX_EXPIRY_DAYS} days, or none."]}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        # The user's row is the lock: two requests at once cannot both take the last place.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        cap = settings.API_MAX_TOKENS_PER_USER
        if PersonalAccessToken.objects.filter(user=user).usable().count() >= cap:
            raise ValidationFailed(
                fields={
                    "name": [
                        f"You may have at most {cap} active tokens; revoke one you no longer "
                        "use first."
                    ]
                }
            )
        row = PersonalAccessToken.objects.create(
            user=user,
            name=name,
            prefix=token[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(token),
            expires_at=expires_at,
        )
    return row, token


def token_revoke(*, token_id: int, user: Any) -> PersonalAccessToken:
    """Revoke one of ``user``'s own tokens (idempotent)."""
    with transaction.atomic():
        row = PersonalAccessToken.objects.select_for_update().filter(pk=token_id, user=user).first()
        if row is None:
            raise NotFound("No such token.")
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
    forget_verified(token_hash=row.token_hash)
    return row


def tokens_revoke_all(*, user: Any) -> int:
    """Revoke every token of ``user`` that still works (their password was reset: whoever
    had the account may have made tokens). Returns how many were revoked."""
    revoked = (
        PersonalAccessToken.objects.filter(user=user).usable().update(revoked_at=timezone.now())
    )
    forget_verified(user_id=user.pk)
    return revoked


def token_authenticate(token: str) -> PersonalAccessToken | None:
    """The usable token row for ``token`` (its user joined), or None; records the use (to the
    minute). A token verified in this process within ``API_TOKEN_CACHE_SECONDS`` is not read
    again (see ``_verified``)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    token_hash = hash_token(token)
    row = _recall(token_hash)
    cached = row is not None
    if row is None:
        # One indexed row by its unique hash (no ordering, no date filter to compile); revoked
        # and expired tokens are refused from the row itself.
        try:
            row = PersonalAccessToken.objects.select_related("user").get(token_hash=token_hash)
        except PersonalAccessToken.DoesNotExist:
            return None
    # Expiry is checked on every use, cached or not.
    if not row.is_active or not row.user.is_active:
        forget_verified(token_hash=token_hash)
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
        entry = _verified.get(token_hash)
        if cached and entry is not None:
            entry[1].last_used_at = now  # the cached copy, without extending its life
    if not cached:
        _remember(token_hash, row)
    return row
