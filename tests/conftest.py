import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection

from initiatives.models import ChecklistTemplate, Role
from tests.factories import TeamFactory, make_initiative, member


def pytest_configure(config):
    # Hashing passwords at full strength would dominate the run time of the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """Suites that need PostgreSQL skip on SQLite runs; CI runs them on PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def ensure_default_templates() -> None:
    """Transactional tests flush every table, the data migration's templates included;
    put them back the way the migration does."""
    if ChecklistTemplate.objects.filter(team__isnull=True).count() == 2:
        return
    migration = importlib.import_module("initiatives.migrations.0002_default_templates")
    migration.install(django_apps, None)


@pytest.fixture(autouse=True)
def _webhooks_reach_loopback_only(settings):
    """No test may contact anything but this machine: webhook endpoints (refused at
    registration unless public) and deliveries are allowed loopback addresses only. Tests of
    the production rule delete the setting."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached pages are keyed by row ids, which a rolled-back test may hand out again (SQLite
    reuses them): every test starts with an empty cache."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_templates_after_flush(request):
    """Tests on a transactional database start after another one's flush: restore the
    built-in templates first (plain ``db`` tests run inside the migrated data)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        ensure_default_templates()


@pytest.fixture
def team(db):
    ensure_default_templates()
    return TeamFactory(key="PLAT", name="Platform")


@pytest.fixture
def people(team):
    """One user per role in ``team``, plus an outsider who belongs to another team."""
    other = TeamFactory(key="DATA", name="Data")
    return {
        "dri": member(team, Role.ENGINEER, "dri"),
        "engineer": member(team, Role.ENGINEER, "eng"),
        "em": member(team, Role.EM, "em"),
        "pm": member(team, Role.PM, "pm"),
        "security": member(team, Role.SECURITY, "sec"),
        "legal": member(team, Role.LEGAL, "legal"),
        "viewer": member(team, Role.VIEWER, "viewer"),
        "outsider": member(other, Role.EM, "outsider"),
    }


@pytest.fixture
def initiative(team, people):
    return make_initiative(team, people["dri"])


# --- Browser (Playwright driving Debian's Chromium) ------------------------------------------

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium. Skipped where Chromium is not installed, except in CI
    (``SHIPSHAPE_REQUIRE_BROWSER=1``), where a missing browser fails the run."""
    if not CHROMIUM_PATH:
        if os.environ.get("SHIPSHAPE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required in CI but was not found.")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(settings.VAR_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
