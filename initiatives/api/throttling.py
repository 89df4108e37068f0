"""Per-token request throttling (429 with ``Retry-After``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from initiatives.tokens.models import PersonalAccessToken


def count_hit(key: str, window: int) -> int:
    """Add one to the counter ``key`` (created for ``window`` seconds); the new count.

    One atomic round trip on Redis (INCR and EXPIRE in a pipeline); elsewhere add-or-incr."""
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        pipe = client.pipeline()
        pipe.incr(full_key)
        # The window is part of the key, so pushing its expiry on is harmless (and needs no
        # Redis 7 ``NX``).
        pipe.expire(full_key, window)
        count, _ = pipe.execute()
        return int(count)
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, window)
        return 1


class TokenRateThrottle(SimpleRateThrottle):
    """One budget per token; session callers get one per user, anonymous ones per address.

    A fixed window counted with one atomic increment, rather than DRF's sliding window, which
    reads and writes back the list of every request's time in the window (a get and a set,
    each moving the whole list, and racing between workers).

    The rate is read on every request (not frozen at import like DRF's default) so that
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]`` can be changed by tests."""

    scope = "api"

    def __init__(self) -> None:  # DRF's reads the rate here; allow_request does instead
        pass

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

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = self.get_rate()
        if rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(rate)
        now = time.time()
        window_start = int(now // self.duration) * self.duration
        self.wait_seconds = window_start + self.duration - now
        key = f"{self.get_cache_key(request, view)}:{window_start}"
        return count_hit(key, self.duration + 1) <= self.num_requests

    def wait(self) -> float:
        return max(self.wait_seconds, 1.0)
