"""Single sign-on end to end against a real OpenID Connect provider (django-oauth-toolkit,
``provider.py``) started on 127.0.0.1 by the tests: sign-in with just-in-time creation and
team roles from groups, an existing user matched by username, ID tokens for another
audience or with a bad signature refused, sign-out at the provider too; and the settings
around it (password form hidden, routes off while unconfigured)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from initiatives.models import ActivityEvent, Membership, Role
from initiatives.sso import config
from initiatives.sso.services import memberships_sync
from tests.factories import TeamFactory, UserFactory
from tests.reliability.processes import free_port, wait_for
from tracker.security import slowed_attempt_is_not_a_failure

ROOT = Path(__file__).resolve().parents[2]
User = get_user_model()
PASSWORD = "provider-pass-1"
PEOPLE = [
    {"username": "grace", "email": "grace@example.com", "first_name": "Grace",
     "last_name": "Hopper", "groups": ["plat-ems", "everyone"]},
    {"username": "dana", "email": "dana@example.com", "groups": ["plat-devs"]},
    {"username": "mallory", "email": "mallory@example.com", "groups": ["plat-ems"]},
    {"username": "forger", "email": "forger@example.com", "groups": ["plat-ems"]},
]  # fmt: skip


@pytest.fixture(scope="module")
def provider(live_server):
    """The provider, its client registered with Shipshape's callback on the live server."""
    port = free_port()
    ours = live_server.url
    spec = {
        "client_id": "shipshape",
        "client_secret": "shipshape-secret",
        "redirect_uris": " ".join(
            f"{ours.replace(host, other)}/oidc/callback/"
            for host in ("localhost", "127.0.0.1")
            for other in ("localhost", "127.0.0.1")
            if host in ours
        ),
        "post_logout_redirect_uris": f"{ours}/accounts/login/",
        "users": [{**p, "password": PASSWORD} for p in PEOPLE],
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.provider", str(port), json.dumps(spec)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", line + process.stdout.read()
        base = f"http://127.0.0.1:{port}"
        wait_for(
            lambda: requests.get(f"{base}/o/.well-known/jwks.json", timeout=2).ok, 20, "provider"
        )
        yield base
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
def sso(settings, provider, live_server):
    settings.OIDC_DISCOVERY_URL = f"{provider}/o/.well-known/openid-configuration"
    settings.OIDC_RP_CLIENT_ID = "shipshape"
    settings.OIDC_RP_CLIENT_SECRET = "shipshape-secret"
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_GROUP_ROLES = "plat-ems=PLAT:em, plat-devs=PLAT:engineer; plat-devs=OPS:viewer"
    settings.SITE_URL = live_server.url
    config.forget_discovery()
    TeamFactory(key="PLAT")
    TeamFactory(key="OPS")
    yield live_server.url
    config.forget_discovery()


def sign_in(
    base: str, username: str, password: str = PASSWORD
) -> tuple[requests.Session, requests.Response]:
    """A browser going through the flow: our sign-in button, the provider's form, back."""
    browser = requests.Session()
    login_page = browser.get(f"{base}/oidc/authenticate/?next=/teams/", timeout=20)
    assert "/accounts/login/" in login_page.url and "csrfmiddlewaretoken" in login_page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)
    next_ = re.search(r'name="next" value="([^"]+)"', login_page.text)
    assert token and next_
    done = browser.post(
        login_page.url,
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": password,
            "next": next_.group(1).replace("&amp;", "&"),
        },
        headers={"Referer": login_page.url},
        timeout=30,
    )
    return browser, done


def test_first_sign_in_creates_the_user_with_team_roles_from_groups(sso):
    browser, landed = sign_in(sso, "grace")

    assert landed.status_code == 200 and landed.url == f"{sso}/teams/", landed.url
    grace = User.objects.get(username="grace")
    assert (grace.email, grace.get_full_name()) == ("grace@example.com", "Grace Hopper")
    assert not grace.has_usable_password()
    assert set(Membership.objects.filter(user=grace).values_list("team__key", "role")) == {
        ("PLAT", Role.EM)
    }
    event = ActivityEvent.objects.get(verb="team.member_added", target_id=grace.pk)
    assert event.actor is None and "single sign-on" in event.summary
    assert "PLAT" in browser.get(f"{sso}/teams/", timeout=10).text


def test_an_existing_user_is_matched_by_username_and_keeps_other_teams(sso):
    dana = UserFactory(username="dana")
    data = TeamFactory(key="DATA")
    Membership.objects.create(team=data, user=dana, role=Role.EM)

    _, landed = sign_in(sso, "dana")

    assert landed.url == f"{sso}/teams/"
    assert User.objects.filter(username="dana").count() == 1
    assert set(Membership.objects.filter(user=dana).values_list("team__key", "role")) == {
        ("DATA", Role.EM),  # not a team the mapping names: left alone
        ("PLAT", Role.ENGINEER),
        ("OPS", Role.VIEWER),
    }
    assert dana.__class__.objects.get(pk=dana.pk).has_usable_password()


@pytest.mark.parametrize("who", ["mallory", "forger"])
def test_an_id_token_for_another_audience_or_badly_signed_is_refused(sso, who):
    browser, landed = sign_in(sso, who)

    assert landed.url.startswith(f"{sso}/accounts/login/")
    assert "Test IdP did not sign you in" in landed.text
    assert not User.objects.filter(username=who).exists()
    assert browser.get(f"{sso}/teams/", timeout=10).url.startswith(f"{sso}/accounts/login/")


def test_sign_out_ends_the_session_here_and_at_the_provider(sso, provider):
    browser, _ = sign_in(sso, "grace")
    page = browser.get(f"{sso}/teams/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the page has the sign-out form"

    out = browser.post(
        f"{sso}/accounts/logout/",
        data={"csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{sso}/teams/"},
        timeout=20,
    )

    assert out.url.startswith(f"{sso}/accounts/login/")
    assert any(r.url.startswith(f"{provider}/o/logout/") for r in out.history)
    assert browser.get(f"{sso}/teams/", timeout=10).url.startswith(f"{sso}/accounts/login/")
    # Signed out at the provider too: signing in again asks for the password again.
    again = browser.get(f"{sso}/oidc/authenticate/", timeout=20)
    assert again.url.startswith(f"{provider}/accounts/login/")


# --- Without a provider -------------------------------------------------------------------


def test_the_routes_are_off_while_single_sign_on_is_not_configured(db):
    client = Client()
    assert client.get(reverse("sso-start")).status_code == 404
    assert client.get(reverse("sso-callback"), {"code": "x", "state": "y"}).status_code == 404
    assert "Sign in with" not in client.get(reverse("login")).content.decode()


def test_the_password_form_can_be_hidden_and_then_refuses_passwords(settings, db):
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/never-fetched"
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    settings.PASSWORD_LOGIN = False
    UserFactory(username="pat")
    client = Client()

    page = client.get(reverse("login")).content.decode()
    refused = client.post(reverse("login"), {"username": "pat", "password": "pw-for-tests-1"})

    assert "Sign in with Acme SSO" in page and 'name="password"' not in page
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    settings.PASSWORD_LOGIN = True
    both = client.get(reverse("login")).content.decode()
    assert "Sign in with Acme SSO" in both and 'name="password"' in both


def test_group_mapping_parses_and_the_strongest_role_wins():
    mapping = config.group_roles("a=PLAT:viewer;b=plat:em, c=OPS:engineer")

    assert config.roles_for(["a", "b"], mapping) == {"PLAT": Role.EM}
    assert config.roles_for(["c", "unknown"], mapping) == {"OPS": Role.ENGINEER}
    assert config.mapped_teams(mapping) == {"PLAT", "OPS"}
    for bad in ("a=PLAT", "a=PLAT:king", "=PLAT:em", "a=:em"):
        with pytest.raises(ValueError, match="group=TEAM:role"):
            config.group_roles(bad)


def test_memberships_follow_the_groups_in_the_mapped_teams_only(db):
    plat, ops, data = TeamFactory(key="PLAT"), TeamFactory(key="OPS"), TeamFactory(key="DATA")
    user = UserFactory(username="lee")
    Membership.objects.create(team=ops, user=user, role=Role.EM)
    Membership.objects.create(team=data, user=user, role=Role.PM)

    changes = memberships_sync(user=user, roles={"PLAT": Role.ENGINEER}, managed={"PLAT", "OPS"})

    assert changes == ["OPS:-", "PLAT:engineer"]
    assert set(Membership.objects.filter(user=user).values_list("team__key", "role")) == {
        ("PLAT", Role.ENGINEER),
        ("DATA", Role.PM),
    }
    assert memberships_sync(user=user, roles={"PLAT": Role.ENGINEER}, managed={"PLAT"}) == []
    verbs = ActivityEvent.objects.filter(team__in=[plat, ops]).values_list("verb", flat=True)
    assert sorted(verbs) == ["team.member_added", "team.member_removed"]


def test_a_failed_single_sign_on_never_counts_towards_a_password_lockout(rf):
    callback = rf.get("/oidc/callback/", {"code": "x", "state": "y"})
    assert slowed_attempt_is_not_a_failure(callback, {"nonce": "n", "code_verifier": "v"})
    assert not slowed_attempt_is_not_a_failure(rf.post("/accounts/login/"), {"username": "pat"})
