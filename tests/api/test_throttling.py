"""The API throttle: one budget per user across all its tokens, anonymous callers per client
address (never a client-sent ``X-Forwarded-For`` unless trusted proxies are configured), a 429
with ``Retry-After`` once it is spent; on a Redis cache one round trip per request, through a
client of our own (no private cache internals). Also the cap on active tokens per user."""

from __future__ import annotations

import os

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import RequestFactory
from rest_framework.request import Request

from initiatives.api.throttling import TokenRateThrottle
from initiatives.rules.exceptions import ValidationFailed
from initiatives.tokens.services import token_create, token_revoke
from tracker import security

TEAMS = "/api/v1/teams/"


def redis_url() -> str:
    # A database of its own per xdist worker, away from those other suites use.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{7 + int(worker.removeprefix('gw') or 0) % 3}"


@pytest.fixture
def redis_cache(settings):
    """The default cache on Redis, as with ``CACHE_URL`` set."""
    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI but 127.0.0.1:6379 does not answer.")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "shipshape-test",
        }
    }
    # No patching of ``tracker.security.cache``: the budgets must recognise Redis behind
    # Django's ``cache`` proxy, as in production.
    assert security.cache_redis_url() == url
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


def limit(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": rate}}


def test_throttling_answers_429_with_retry_after(settings, people, token_client):
    limit(settings, "3/min")
    client = token_client(people["dri"])
    assert [client.get(TEAMS).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(TEAMS)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # The budget is per user: another user is not affected...
    assert token_client(people["em"]).get(TEAMS).status_code == 200
    # ... and a fresh token of the same user does not bring a fresh budget.
    assert token_client(people["dri"]).get(TEAMS).status_code == 429


@pytest.mark.redis
def test_redis_counter_is_one_pipeline_per_request_under_the_cache_key(
    settings, people, token_client, redis_cache, monkeypatch
):
    limit(settings, "2/min")
    executed = []
    execute = redis.client.Pipeline.execute

    def counting(pipe, *args, **kwargs):
        executed.append([args[0] for args, _ in pipe.command_stack])
        return execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counting)
    client = token_client(people["dri"])
    assert [client.get(TEAMS).status_code for _ in range(3)] == [200, 200, 429]
    # One INCR+EXPIRE round trip per request, nothing else on the throttle's path.
    assert executed == [["INCRBY", "EXPIRE"]] * 3
    keys = redis.Redis.from_url(redis_cache).keys("shipshape-test:*throttle_api_user*")
    assert len(keys) == 1
    assert 0 < redis.Redis.from_url(redis_cache).ttl(keys[0]) <= 61


@pytest.mark.redis
@pytest.mark.redis
def test_redis_counter_needs_one_client_per_process(settings, redis_cache, monkeypatch):
    """The production path: the module-level ``cache`` proxy, one client reused."""
    made: list[str] = []
    from_url = redis.Redis.from_url

    def counting(url, *args, **kwargs):
        made.append(url)
        return from_url(url, *args, **kwargs)

    security.redis_client.cache_clear()
    monkeypatch.setattr(redis.Redis, "from_url", counting)
    assert [security.count_hit("k", 60) for _ in range(3)] == [1, 2, 3]
    assert made == [redis_cache]
    assert from_url(redis_cache).get(caches["default"].make_key("k")) == b"3"


@pytest.mark.redis
def test_redis_budget_is_shared_by_every_client_of_the_server(
    settings, people, token_client, redis_cache
):
    """Two processes share one budget: the second client of the server sees the first's hits."""
    limit(settings, "2/min")
    client = token_client(people["dri"])
    assert client.get(TEAMS).status_code == 200
    security.redis_client.cache_clear()  # as a fresh process would
    assert client.get(TEAMS).status_code == 200
    assert client.get(TEAMS).status_code == 429


def test_session_and_tokens_of_one_user_share_one_budget(settings, people, token_client, client):
    limit(settings, "4/min")
    dri = people["dri"]
    client.force_login(dri)
    callers = [token_client(dri), token_client(dri), client, token_client(dri)]
    assert [c.get(TEAMS).status_code for c in callers] == [200, 200, 200, 200]
    assert [c.get(TEAMS).status_code for c in callers] == [429, 429, 429, 429]


def anonymous_ident(forwarded: str, remote: str = "192.0.2.10") -> str:
    """The budget an anonymous request with this ``X-Forwarded-For`` is counted in."""
    django_request = RequestFactory().get(TEAMS, HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    django_request.user = AnonymousUser()
    return TokenRateThrottle().get_cache_key(Request(django_request), None)


def test_anonymous_budget_ignores_client_sent_forwarded_for(settings):
    # Today's default: no proxy is trusted, so every value is the same budget (REMOTE_ADDR).
    assert settings.TRUSTED_PROXY_COUNT == 0
    idents = {anonymous_ident(f"203.0.113.{n}") for n in range(20)}
    assert idents == {"throttle_api_addr:192.0.2.10"}


def test_behind_trusted_proxies_the_client_is_counted_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appended the real client (right-most); what the client wrote before is ignored.
    assert anonymous_ident("1.1.1.1, 198.51.100.7") == "throttle_api_addr:198.51.100.7"
    assert anonymous_ident("2.2.2.2, 198.51.100.7") == "throttle_api_addr:198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert anonymous_ident("9.9.9.9, 198.51.100.7, 10.0.0.2") == "throttle_api_addr:198.51.100.7"
    # Garbage where the address should be: the proxy's own address, never the garbage.
    assert anonymous_ident("x, not-an-ip, 10.0.0.2") == "throttle_api_addr:192.0.2.10"


def test_a_user_may_hold_a_limited_number_of_active_tokens(settings, people):
    settings.API_MAX_TOKENS_PER_USER = 3
    dri = people["dri"]
    rows = [token_create(user=dri, name=f"t{n}")[0] for n in range(3)]
    with pytest.raises(ValidationFailed) as refused:
        token_create(user=dri, name="one too many")
    assert "at most 3" in refused.value.fields["name"][0].lower()
    # Revoking one makes room; other users are not affected.
    token_revoke(token_id=rows[0].pk, user=dri)
    token_create(user=dri, name="replacement")
    token_create(user=people["em"], name="theirs")


def test_token_cap_is_a_400_on_the_tokens_page(settings, people, client):
    settings.API_MAX_TOKENS_PER_USER = 1
    client.force_login(people["dri"])
    token_create(user=people["dri"], name="first")
    response = client.post("/settings/tokens/", {"name": "second"})
    assert response.status_code == 400
    assert "at most 1" in response.content.decode().lower()
