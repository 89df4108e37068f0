"""Per-token request throttling (429 with ``Retry-After``)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import PersonalAccessToken


class TokenRateThrottle(SimpleRateThrottle):
    """One budget per token; session callers get one per user, anonymous ones per address.

    The rate is read on every request (not frozen at import like DRF's default) so that
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]`` can be changed by tests."""

    scope = "api"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, PersonalAccessToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
