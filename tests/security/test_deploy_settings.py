"""Production settings: ``check --deploy`` is clean, the security headers are sent, and the
benchmark's plain-http switches work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#Tq!9vLp2@Zr4$Wm8^Kd6&Hs3*Jf5(Gb1)Nc0-Ye=Ua+Io[Pl]",
    "ALLOWED_HOSTS": "shipshape.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://shipshape.example.com",
    "DATABASE_URL": "postgres://shipshape:secret@db.invalid:5432/shipshape",
    "CELERY_BROKER_URL": "redis://redis.invalid:6379/0",
    "SITE_URL": "https://shipshape.example.com",
}


def run_manage(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)
    env.update(PRODUCTION_ENV, SHIPSHAPE_VAR_DIR=str(ROOT / "var" / "deploy-check"))
    env.update(extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout


def test_secret_key_is_required_in_production():
    result = run_manage("check", extra={"SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_switches_follow_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    prod = run_manage("shell", "-c", code)
    assert prod.stdout.strip().splitlines()[-1].split()[:4] == [
        "True",
        "True",
        "True",
        "31536000",
    ], prod.stderr
    bench = run_manage(
        "shell",
        "-c",
        code,
        extra={
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "60",
            "SECURE_PROXY_SSL_HEADER": "1",
        },
    )
    assert (
        bench.stdout.strip().splitlines()[-1]
        == "False False False 60 ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";"))
    return {words[0]: words[1:] for words in parts if words}


@pytest.mark.django_db
def test_pages_carry_csp_frame_denial_and_a_request_id(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    # django-csp builds the header from a set: compare directives, not their order.
    directives = _directives(response["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    inline = {name for name, sources in directives.items() if "'unsafe-inline'" in sources}
    assert inline <= {"style-src-attr"}
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_api_docs_load_their_static_files_from_this_origin(client, people):
    # The policy itself (no inline script, the style block by hash): tests/api/test_docs.py.
    client.force_login(people["viewer"])
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/static/drf_spectacular_sidecar/swagger-ui-dist/{name}" in response.text
