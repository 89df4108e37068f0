"""The per-token throttle: one budget per token, a 429 with ``Retry-After`` once it is spent;
on a Redis cache one round trip per request, through a client of our own (no private cache
internals)."""

from __future__ import annotations

import os

import pytest
import redis
from django.core.cache import caches

from initiatives.api import throttling

TEAMS = "/api/v1/teams/"


def redis_url() -> str:
    # A database of its own per xdist worker, away from those other suites use.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{7 + int(worker.removeprefix('gw') or 0) % 3}"


@pytest.fixture
def redis_cache(settings, monkeypatch):
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
    cache = caches["default"]
    # The module-level ``cache`` proxy follows ``caches``; the throttle reads it per request.
    monkeypatch.setattr(throttling, "cache", cache)
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
    # The budget is per token: another token of another user is not affected.
    assert token_client(people["em"]).get(TEAMS).status_code == 200


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
    keys = redis.Redis.from_url(redis_cache).keys("shipshape-test:*throttle_api_token*")
    assert len(keys) == 1
    assert 0 < redis.Redis.from_url(redis_cache).ttl(keys[0]) <= 61


@pytest.mark.redis
def test_redis_budget_is_shared_by_every_client_of_the_server(
    settings, people, token_client, redis_cache
):
    """Two processes share one budget: the second client of the server sees the first's hits."""
    limit(settings, "2/min")
    client = token_client(people["dri"])
    assert client.get(TEAMS).status_code == 200
    throttling.redis_client.cache_clear()  # as a fresh process would
    assert client.get(TEAMS).status_code == 200
    assert client.get(TEAMS).status_code == 429
