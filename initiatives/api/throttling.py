"""Request throttling of the API (429 with ``Retry-After``): one budget per user, whatever the
number of its tokens or sessions; anonymous requests one per client address."""

from __future__ import annotations

import time
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tracker.security import client_address, count_hit


class TokenRateThrottle(SimpleRateThrottle):
    """One budget per user (all its tokens and sessions share it, so minting tokens does not
    multiply it); anonymous callers get one per address (``tracker.security.client_address``:
    ``REMOTE_ADDR`` unless trusted proxies are configured, never a client-sent header).

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

    def get_ident(self, request: Request) -> str:
        return client_address(request._request)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if request.user and request.user.is_authenticated:
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
