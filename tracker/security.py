"""Security pieces Django 5.2 does not ship that need code of ours: the client address behind a
known number of proxies, fixed-window budgets, and the failed-login throttle (django-axes'
backend plus a slow-down per username). (The Content Security Policy is django-csp's
middleware, configured in ``settings.CONTENT_SECURITY_POLICY``.)

Every budget keyed by an address uses ``client_address``: ``REMOTE_ADDR`` unless
``settings.TRUSTED_PROXY_COUNT`` proxies are in front, so a client cannot mint fresh budgets by
sending its own ``X-Forwarded-For``."""

from __future__ import annotations

import functools
import ipaddress
import time
from typing import Any

import redis
from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

# --- The client's address ---------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``.

    With ``TRUSTED_PROXY_COUNT = 0`` (the default) that is ``REMOTE_ADDR``: whatever the client
    writes in ``X-Forwarded-For`` is ignored. Behind N proxies that each append the address
    they saw, the client is the N-th entry from the right (anything left of it was written by
    the client and is not believed)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-min(count, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


# --- Fixed-window budgets ---------------------------------------------------------------------


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """A client of our own for the Redis server behind the cache (one connection pool per
    process and URL; redis-py opens new connections after a fork)."""
    return redis.Redis.from_url(url)


def cache_redis_url() -> str | None:
    """The Redis server the default cache writes to, or None when the cache is not Redis.
    Django's RedisCache writes to the first of its ``LOCATION`` servers.

    The check is on the backend itself (``caches["default"]``): ``django.core.cache.cache`` is
    a proxy object, never an instance of any backend class."""
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    servers = location.split(",") if isinstance(location, str) else list(location)
    return str(servers[0]).strip()


def count_hit(key: str, window: int) -> int:
    """Add one to the counter ``key`` (created for ``window`` seconds); the new count.

    On Redis one round trip (INCR and EXPIRE pipelined, without MULTI/EXEC: two commands, not
    four), under the cache's own key
    (prefix and version); elsewhere Django's add-or-incr."""
    url = cache_redis_url()
    if url is not None:
        pipe = redis_client(url).pipeline(transaction=False)
        full_key = caches["default"].make_key(key)
        pipe.incr(full_key)
        # Callers put the window in the key, so pushing its expiry on is harmless (and needs
        # no Redis 7 ``NX``).
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


def spend(name: str, ident: str, *, limit: int, window: int) -> bool:
    """Take one from the budget ``name`` of ``ident`` (``limit`` per fixed ``window`` seconds);
    False once it is spent."""
    start = int(time.time() // window) * window
    return count_hit(f"budget:{name}:{ident}:{start}", window + 1) <= limit


# --- Failed logins ------------------------------------------------------------------------------
# django-axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures: nobody can
# lock a user out from another address (a shared proxy address included). Guessing one
# username from many addresses is slowed instead: once that username has had
# LOGIN_USERNAME_FAILURE_LIMIT failures within the cool-off window, it is tried at most once
# every LOGIN_SLOWDOWN_SECONDS, from wherever the attempts come. A refused attempt never checks
# the password and is not counted as a failure by either.

SLOWED_DOWN = "shipshape_login_slowed_down"


def _username_key(username: str) -> str:
    return username.strip().lower()[:150]


def _failure_window() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def username_failures(username: str) -> int:
    return int(cache.get(f"login-failures:{_username_key(username)}", 0))


def login_slowed_down(request: HttpRequest) -> bool:
    """Whether the last ``authenticate()`` of ``request`` was refused by the slow-down."""
    return bool(getattr(request, SLOWED_DOWN, False))


def _count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    username = credentials.get("username")
    if not username or (request is not None and login_slowed_down(request)):
        return
    count_hit(f"login-failures:{_username_key(str(username))}", _failure_window())


user_login_failed.connect(_count_failure, dispatch_uid="shipshape-login-failures")


def slowed_attempt_is_not_a_failure(request: HttpRequest, credentials: Any) -> bool:
    """``AXES_WHITELIST_CALLABLE``: an attempt refused by the slow-down (its password was
    never checked) does not count towards the (username, address) lockout, nor does a single
    sign-on callback (no username: no password was guessed; counted, its failures would lock
    every single sign-on from a shared address)."""
    return login_slowed_down(request) or "username" not in (credentials or {})


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' backend, for logins that come with an HTTP request (the login form, the
    admin), plus the slow-down per username. ``authenticate()`` without a request — the shell,
    management commands, the test client's ``login()`` — has no client address to throttle and
    is passed on to the next backend instead of raising
    ``AxesBackendRequestParameterRequired``."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, *args, **kwargs)  # raises when the pair is locked out
        username = kwargs.get("username")
        if username and username_failures(str(username)) >= settings.LOGIN_USERNAME_FAILURE_LIMIT:
            # One attempt per interval gets through to the password check.
            slot = f"login-slot:{_username_key(str(username))}"
            if not cache.add(slot, 1, settings.LOGIN_SLOWDOWN_SECONDS):
                setattr(request, SLOWED_DOWN, True)
                raise PermissionDenied("Too many sign-in attempts for this account.")
        return None
