"""Per-token request throttling (429 with ``Retry-After``)."""

from __future__ import annotations

import functools
import time
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from initiatives.tokens.models import PersonalAccessToken


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """A client of our own for the Redis server behind the cache (one connection pool per
    process and URL; redis-py opens new connections after a fork)."""
    return redis.Redis.from_url(url)


def cache_redis_url() -> str | None:
    """The Redis server the default cache writes to, or None when the cache is not Redis.
    Django's RedisCache writes to the first of its ``LOCATION`` servers."""
    if not isinstance(cache, RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    servers = location.split(",") if isinstance(location, str) else list(location)
    return str(servers[0]).strip()


def count_hit(key: str, window: int) -> int:
    """Add one to the counter ``key`` (created for ``window`` seconds); the new count.

    On Redis one atomic round trip (INCR and EXPIRE in a pipeline), under the cache's own key
    (prefix and version); elsewhere Django's add-or-incr."""
    url = cache_redis_url()
    if url is not None:
        pipe = redis_client(url).pipeline()
        full_key = cache.make_key(key)
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
    wait_seconds = 0.0

    def __init__(self) -> None:  # DRF's reads the rate here; allow_request does instead
        pass

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

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
        limit, duration = self.parse_rate(rate)
        if limit is None or duration is None:
            return True
        now = time.time()
        window_start = int(now // duration) * duration
        self.wait_seconds = window_start + duration - now
        key = f"{self.get_cache_key(request, view)}:{window_start}"
        return count_hit(key, duration + 1) <= limit

    def wait(self) -> float:
        return max(self.wait_seconds, 1.0)
