"""Signing in and resetting a password under attack (issue 14, findings 4, 7 and 9).

- The login lockout is per (username, address): failures from a shared address lock neither
  another user there nor the same user elsewhere; guessing one username from many addresses
  is slowed down, and an attempt refused by the slow-down does not count towards a lockout.
- Password reset is throttled per address and per account, uses Shipshape's templates, says
  the same whether or not an account exists, and revokes the user's API tokens.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from initiatives.tokens.models import PersonalAccessToken
from initiatives.tokens.services import token_create

PASSWORD = "correct horse battery staple"
SHARED_PROXY = "198.51.100.1"


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)


def sign_in(client, username: str, password: str, address: str = SHARED_PROXY):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


# --- Sign in --------------------------------------------------------------------------------


def test_failures_from_a_shared_address_lock_only_that_pair(settings, client, alice, bob):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", PASSWORD).status_code == 429  # the pair is locked
    # Bob behind the same proxy, and Alice from home, still get in.
    assert signed_in(sign_in(client, "bob", PASSWORD))
    client.logout()
    assert signed_in(sign_in(client, "alice", PASSWORD, address="203.0.113.9"))


def test_client_sent_forwarded_for_does_not_dodge_the_lockout(settings, client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR=SHARED_PROXY,
            HTTP_X_FORWARDED_FOR=f"10.9.8.{n}",
        )
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR=SHARED_PROXY,
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


def test_guessing_one_username_from_many_addresses_is_slowed_down(settings, client, alice):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 6
    settings.LOGIN_SLOWDOWN_SECONDS = 5
    with time_machine.travel("2026-11-30 10:00:00+00:00", tick=False) as clock:
        for n in range(6):  # each address stays under the per-pair lockout
            sign_in(client, "alice", "wrong", address=f"203.0.113.{n}")
        # The next attempt gets through to the password check, then one per 5 s only.
        assert not signed_in(sign_in(client, "alice", "wrong", address="203.0.113.50"))
        refused = sign_in(client, "alice", PASSWORD, address="192.0.2.7")
        assert not signed_in(refused)
        assert "Wait a few seconds" in refused.content.decode()
        clock.shift(6)
        assert signed_in(sign_in(client, "alice", PASSWORD, address="192.0.2.7"))


def test_attempts_refused_by_the_slow_down_never_lock_the_user_out(settings, client, alice):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 3
    with time_machine.travel("2026-11-30 10:00:00+00:00", tick=False) as clock:
        for n in range(3):
            sign_in(client, "alice", "wrong", address=f"203.0.113.{n}")
        sign_in(client, "alice", "wrong", address="203.0.113.99")  # the one let through
        # The real Alice tries again and again while being slowed down ...
        for _ in range(settings.AXES_FAILURE_LIMIT + 2):
            assert not signed_in(sign_in(client, "alice", PASSWORD, address="192.0.2.7"))
        clock.shift(settings.LOGIN_SLOWDOWN_SECONDS + 1)
        # ... and is not locked out for it.
        assert signed_in(sign_in(client, "alice", PASSWORD, address="192.0.2.7"))


def test_sign_in_errors_do_not_tell_whether_the_username_exists(client, alice):
    unknown = sign_in(client, "nobody-by-this-name", "wrong", address="192.0.2.1")
    known = sign_in(client, "alice", "wrong", address="192.0.2.2")
    assert unknown.status_code == known.status_code == 200

    def errors(response) -> list[str]:
        return [str(e) for e in response.context["form"].errors.get("__all__", [])]

    assert errors(unknown) == errors(known)
    assert errors(known)
    assert "alice" not in errors(known)[0]


# --- Password reset -------------------------------------------------------------------------


def ask_reset(client, email: str, address: str = "192.0.2.20"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_uses_shipshape_templates(client, alice):
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200
    assert "Reset your password" in page.content.decode()
    assert page.templates[0].name == "registration/password_reset_form.html"
    assert "admin" not in page.content.decode().lower()
    assert ask_reset(client, "alice@example.com").status_code == 302
    [email] = mail.outbox
    assert email.subject == "Reset your Shipshape password"
    assert "revokes your API tokens" in email.body
    assert email.body.count("http://127.0.0.1:8000/accounts/reset/") == 1  # SITE_URL


def test_password_reset_answers_the_same_for_unknown_addresses(client, alice):
    known = ask_reset(client, "alice@example.com")
    unknown = ask_reset(client, "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_password_reset_is_throttled_per_address(settings, client, alice):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = 3
    answers = [ask_reset(client, f"x{n}@example.com").status_code for n in range(3)]
    assert answers == [302, 302, 302]
    refused = ask_reset(client, "alice@example.com")
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    assert mail.outbox == []
    # A client-sent header is no new address; another client is not affected.
    spoofed = client.post(
        reverse("password_reset"),
        {"email": "alice@example.com"},
        REMOTE_ADDR="192.0.2.20",
        HTTP_X_FORWARDED_FOR="203.0.113.1",
    )
    assert spoofed.status_code == 429
    assert ask_reset(client, "alice@example.com", address="192.0.2.21").status_code == 302


def test_password_reset_emails_per_account_are_capped_silently(settings, client, alice):
    settings.PASSWORD_RESET_RATE_PER_ACCOUNT = 2
    answers = [
        ask_reset(client, "alice@example.com", address=f"192.0.2.{n}").status_code for n in range(5)
    ]
    assert answers == [302] * 5  # the same answer: nothing tells that mails stopped
    assert len(mail.outbox) == 2


def test_resetting_the_password_revokes_the_users_tokens(client, alice, bob):
    token_create(user=alice, name="CI")
    token_create(user=alice, name="laptop")
    token_create(user=bob, name="theirs")
    ask_reset(client, "alice@example.com")
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[0].body)
    assert link
    form = client.get(link.group(0).removeprefix("http://127.0.0.1:8000"), follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase 42", "new_password2": "a new long passphrase 42"},
    )
    assert done.status_code == 302
    assert not PersonalAccessToken.objects.filter(user=alice).usable().exists()
    assert PersonalAccessToken.objects.filter(user=bob).usable().count() == 1
