"""Authentication (tokens and session), the API tokens page and create_token (throttling:
``test_throttling.py``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from initiatives.tokens.models import PersonalAccessToken
from initiatives.tokens.services import token_create, token_revoke

TEAMS = "/api/v1/teams/"


def test_token_acts_as_its_user(clients):
    response = clients["em"].get(TEAMS)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "key": "PLAT",
            "name": "Platform",
            "time_zone": "UTC",
            "reminder_weekday": 3,
            "reminder_time": "10:00:00",
            "digest_weekday": 0,
            "digest_time": "09:00:00",
            "role": "em",
        }
    ]


def test_token_is_stored_hashed_with_a_recognisable_prefix(people):
    row, token = token_create(user=people["dri"], name="CI")
    assert token.startswith("ssp_") and len(token) > 40
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PersonalAccessToken.objects.filter(pk=row.pk).values().get())


def test_missing_credentials_answer_401_with_a_bearer_challenge(db):
    response = APIClient().get(TEAMS)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer ssp_wrong", "Bearer", "Bearer a b", "Bearer nope"])
def test_bad_tokens_answer_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(TEAMS)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoked_and_expired_tokens_stop_working(people):
    _, token = token_create(user=people["dri"], name="old", expires_in_days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(TEAMS).status_code == 200
    # Expiry is checked on every use, also of a token this process has verified already.
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        assert client.get(TEAMS).status_code == 401
    row2, token2 = token_create(user=people["dri"], name="other")
    token_revoke(token_id=row2.pk, user=people["dri"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token2}")
    assert client.get(TEAMS).status_code == 401


def test_last_use_is_recorded(people):
    row, token = token_create(user=people["dri"], name="CI")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.get(TEAMS)
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_session_works_with_csrf(people, initiative):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["dri"])
    assert client.get(TEAMS).status_code == 200
    response = client.patch(
        f"/api/v1/initiatives/{initiative.key}/", {"title": "New"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "CSRF" in response.json()["detail"]


# --- The API tokens page and the management command --------------------------------------------


def test_tokens_page_shows_a_new_token_once_and_revokes(client, people):
    client.force_login(people["dri"])
    url = reverse("api-tokens")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "CI pipeline", "expires_in_days": "30"})
    assert response.status_code == 201
    token = response.context["created"]["token"]
    assert token in response.content.decode()
    row = PersonalAccessToken.objects.get(user=people["dri"])
    assert row.name == "CI pipeline" and row.expires_at is not None
    page = client.get(url).content.decode()
    assert token not in page and row.prefix in page

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(TEAMS).status_code == 200
    response = client.post(reverse("api-token-revoke", args=[row.pk]))
    assert response.status_code == 302
    assert api.get(TEAMS).status_code == 401


def test_tokens_page_refuses_a_bad_form_and_other_peoples_tokens(client, people):
    client.force_login(people["dri"])
    assert client.post(reverse("api-tokens"), {"name": ""}).status_code == 400
    row, _ = token_create(user=people["em"], name="EM's")
    assert client.post(reverse("api-token-revoke", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_tokens_page_needs_login(client, db):
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302


def test_create_token_command_prints_a_working_token(people):
    out = StringIO()
    call_command("create_token", "dri", "--name", "bot", "--expires-days", "7", stdout=out)
    token = out.getvalue().strip()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(TEAMS).status_code == 200
    assert PersonalAccessToken.objects.get(name="bot").expires_at is not None
