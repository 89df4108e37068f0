"""The per-process cache of verified tokens (``initiatives.tokens.services``): a verified token
is not read again for ``API_TOKEN_CACHE_SECONDS``; revoking it (one, or all of a user's),
saving or deleting it or its user in this process refuses it at once; a change made by another
process is seen within the bound; every request gets its own copies."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from initiatives.tokens import services
from initiatives.tokens.models import PersonalAccessToken
from initiatives.tokens.services import (
    token_authenticate,
    token_create,
    token_revoke,
    tokens_revoke_all,
)

TEAMS = "/api/v1/teams/"


@pytest.fixture(autouse=True)
def empty_cache(settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    services.forget_verified()
    yield
    services.forget_verified()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_verified_token_is_not_read_again(people, django_assert_num_queries):
    _, token = token_create(user=people["dri"], name="CI")
    with django_assert_num_queries(2):  # the token row, and its first use recorded
        assert token_authenticate(token) is not None
    with django_assert_num_queries(0):
        row = token_authenticate(token)
    assert row is not None and row.user == people["dri"]


def test_every_use_gets_its_own_copies(people):
    _, token = token_create(user=people["dri"], name="CI")
    first = token_authenticate(token)
    assert first is not None
    first.user.first_name = "Changed by a request"
    first.name = "changed"
    second = token_authenticate(token)
    assert second is not None
    assert second is not first and second.user is not first.user
    assert second.user.first_name != "Changed by a request" and second.name == "CI"


def test_revoked_here_is_refused_at_once(people):
    row, token = token_create(user=people["dri"], name="CI")
    client = bearer(token)
    assert client.get(TEAMS).status_code == 200  # verified and remembered
    token_revoke(token_id=row.pk, user=people["dri"])
    assert client.get(TEAMS).status_code == 401


def test_revoking_all_of_a_user_is_refused_at_once(people):
    _, token = token_create(user=people["dri"], name="one")
    _, other = token_create(user=people["dri"], name="two")
    _, someone_else = token_create(user=people["em"], name="em")
    for t in (token, other, someone_else):
        assert bearer(t).get(TEAMS).status_code == 200
    assert tokens_revoke_all(user=people["dri"]) == 2
    assert bearer(token).get(TEAMS).status_code == 401
    assert bearer(other).get(TEAMS).status_code == 401
    assert bearer(someone_else).get(TEAMS).status_code == 200


def test_deactivated_or_deleted_here_is_refused_at_once(people):
    _, token = token_create(user=people["dri"], name="CI")
    row, second = token_create(user=people["em"], name="CI")
    assert bearer(token).get(TEAMS).status_code == 200
    assert bearer(second).get(TEAMS).status_code == 200
    people["dri"].is_active = False
    people["dri"].save()
    assert bearer(token).get(TEAMS).status_code == 401
    row.delete()
    assert bearer(second).get(TEAMS).status_code == 401


def test_revoked_by_another_process_is_refused_within_the_bound(people, monkeypatch):
    row, token = token_create(user=people["dri"], name="CI")
    client = bearer(token)
    clock = [1000.0]
    monkeypatch.setattr(services, "_clock", lambda: clock[0])
    assert client.get(TEAMS).status_code == 200
    # Another process revokes it: a bare UPDATE, no signal, no local invalidation here.
    PersonalAccessToken.objects.filter(pk=row.pk).update(revoked_at=row.created_at)
    clock[0] += 9.9
    assert client.get(TEAMS).status_code == 200  # still within API_TOKEN_CACHE_SECONDS
    clock[0] += 0.2
    assert client.get(TEAMS).status_code == 401


def test_off_reads_the_token_every_time(people, settings, django_assert_num_queries):
    settings.API_TOKEN_CACHE_SECONDS = 0
    _, token = token_create(user=people["dri"], name="CI")
    token_authenticate(token)
    with django_assert_num_queries(1):
        assert token_authenticate(token) is not None
