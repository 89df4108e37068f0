"""Failing closed (issue 14, findings 9 and 10): DEBUG is off unless asked for, credentials in
links stay out of the logs, errors do not tell whether a username exists, and compose.yaml
ships no default secret. (Unsubscribe links: test_unsubscribe_links.py.)"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import yaml

from initiatives.weekly.digest import unsubscribe_token
from tests.api.conftest import clients, token_client  # noqa: F401
from tracker.observability import ScrubSecretsFilter

ROOT = Path(__file__).resolve().parents[2]


# --- DEBUG ----------------------------------------------------------------------------------


def settings_of(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """Run ``code`` after loading ``tracker.settings`` in a process with only ``env`` set
    (plus PATH and the var directory), as a fresh deployment would."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "SHIPSHAPE_VAR_DIR": str(ROOT / "var" / "deploy-check"),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_unset_means_off():
    result = settings_of(
        {"SECRET_KEY": "a-real-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"},
        "from django.conf import settings; print(settings.DEBUG, settings.SECURE_SSL_REDIRECT)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_debug_unset_without_a_secret_key_refuses_to_start():
    result = settings_of({}, "print('started')")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "started" not in result.stdout


def test_debug_is_on_only_when_asked_for():
    result = settings_of({"DEBUG": "1"}, "from django.conf import settings; print(settings.DEBUG)")
    assert result.stdout.split() == ["True"], result.stderr


# --- Logs ------------------------------------------------------------------------------------


def test_credentials_in_links_are_scrubbed_from_logs(caplog, client, team):
    token = unsubscribe_token(team.pk, email="list@example.org")
    handler_filter = ScrubSecretsFilter()
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s",
        (f"/digest/unsubscribe/{token}/",), None,
    )  # fmt: skip
    handler_filter.filter(record)
    assert token not in record.getMessage()
    assert "/digest/unsubscribe/[redacted]/" in record.getMessage()
    reset = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET /accounts/reset/MQ/cbx-0123abcdef/ 200", (), None
    )
    handler_filter.filter(reset)
    assert "0123abcdef" not in reset.getMessage()


def test_gunicorn_access_log_scrubs_unsubscribe_links():
    from gunicorn.config import Config

    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    logger = namespace["ScrubbingLogger"](Config())
    token = "eyJ0IjoxLCJlIjoibGlzdEBleGFtcGxlLm9yZyJ9:1vB2xY:abcdefSIGNATURE"

    class Response:
        status = "200 OK"
        response_length = 10
        headers = ()
        sent = 10

    class Request:
        method = "POST"
        path = f"/digest/unsubscribe/{token}/"
        query = ""
        uri = path
        version = (1, 1)
        headers = [("REFERER", f"https://s.example.com/digest/unsubscribe/{token}/")]

    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": Request.path,
        "PATH_INFO": Request.path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": Request.headers[0][1],
    }
    atoms = logger.atoms(Response(), Request(), environ, dt.timedelta(seconds=0.01))
    assert all(token not in str(value) for value in atoms.values()), atoms
    assert atoms["U"] == "/digest/unsubscribe/[redacted]/"


# --- Usernames ------------------------------------------------------------------------------


def test_api_errors_do_not_tell_whether_a_username_exists(clients, initiative, people):  # noqa: F811
    path = f"/api/v1/initiatives/{initiative.key}/tasks/"
    other_team = clients["dri"].post(path, {"title": "x", "assignee": "outsider"})
    nobody = clients["dri"].post(path, {"title": "x", "assignee": "nobody-by-that-name"})
    assert other_team.status_code == nobody.status_code == 400
    assert other_team.json()["fields"]["assignee"] == [
        "outsider is not a contributor of this team."
    ]
    assert nobody.json()["fields"]["assignee"] == [
        "nobody-by-that-name is not a contributor of this team."
    ]


# --- compose.yaml ---------------------------------------------------------------------------


def test_compose_ships_no_default_secrets_and_a_shared_cache():
    text = (ROOT / "compose.yaml").read_text()
    compose = yaml.safe_load(text)
    app = compose["x-app"]["environment"]
    # Required variables, no fallback password anywhere.
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert f"${{{name}:?" in text, name
        assert f"${{{name}:-" not in text, name
    assert "${POSTGRES_PASSWORD:?" in app["DATABASE_URL"]
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    # Redis wants the password; the broker and the shared cache send it.
    assert "--requirepass" in compose["services"]["redis"]["command"]
    assert app["CELERY_BROKER_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    assert app["CACHE_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    assert app["DEBUG"] == "0"
    # gunicorn is published on loopback only, and the file says how TLS goes in front.
    assert compose["services"]["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert "TLS" in text and "SECURE_PROXY_SSL_HEADER=1" in text
