"""Token clients for the API tests; every answer they get is checked against the schema."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from initiatives.tokens.services import token_create
from tests.api.openapi import check_response


@pytest.fixture(autouse=True)
def _api_isolation(settings):
    # Webhooks may only ever reach this machine during tests.
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    cache.clear()  # throttling budgets
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _answers_match_the_schema(monkeypatch):
    """Every answer of the API to a test client (token or session) is checked against the
    published OpenAPI schema as it arrives (``tests/api/openapi.py``)."""
    request = Client.request

    def checked(self, **environ):
        response = request(self, **environ)
        check_response(environ["REQUEST_METHOD"], environ["PATH_INFO"], response)
        return response

    monkeypatch.setattr(Client, "request", checked)


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
