"""Personal access tokens: create (the token is returned once), revoke (one, or all of a user's
when their password is reset), authenticate.

A token is ``ssp_`` followed by 43 url-safe characters (256 random bits); only its SHA-256 is
stored, so a leaked database does not leak working tokens. The prefix makes tokens easy to
recognise for secret scanners and in logs."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
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
    return row


def tokens_revoke_all(*, user: Any) -> int:
    """Revoke every token of ``user`` that still works (their password was reset: whoever
    had the account may have made tokens). Returns how many were revoked."""
    return PersonalAccessToken.objects.filter(user=user).usable().update(revoked_at=timezone.now())


def token_authenticate(token: str) -> PersonalAccessToken | None:
    """The usable token row for ``token`` (its user joined), or None; records the use."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    # One indexed row by its unique hash (no ordering, no date filter to compile); revoked and
    # expired tokens are refused from the row itself.
    try:
        row = PersonalAccessToken.objects.select_related("user").get(token_hash=hash_token(token))
    except PersonalAccessToken.DoesNotExist:
        return None
    if not row.is_active or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row
