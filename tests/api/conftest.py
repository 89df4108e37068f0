"""Token clients for the API tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from initiatives.tokens.services import token_create


@pytest.fixture(autouse=True)
def _api_isolation(settings):
    # Webhooks may only ever reach this machine during tests.
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    cache.clear()  # throttling budgets
    yield
    cache.clear()


@pytest.fixture
def token_client() -> Callable[..., APIClient]:
    """``token_client(user)``: an APIClient sending a fresh personal access token of ``user``."""

    def make(user) -> APIClient:
        _, token = token_create(user=user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.token = token  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def clients(people, token_client) -> dict[str, APIClient]:
    """A token client per role of ``people`` (dri, engineer, em, pm, security, legal, viewer,
    outsider)."""
    return {role: token_client(user) for role, user in people.items()}
