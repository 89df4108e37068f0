"""The dashboard in a real browser, on the demo data."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse

from initiatives.models import ChecklistTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    """The demo data, served by ``live_server``. A transactional test before this one may have
    flushed the built-in checklist templates that a data migration installs: put them back."""
    if not ChecklistTemplate.objects.filter(team__isnull=True).exists():
        migration = importlib.import_module("initiatives.migrations.0002_default_templates")
        migration.install(django_apps, None)
    call_command("seed_demo", "--force", stdout=io.StringIO())  # DEBUG is off in tests
    return live_server


def log_in(page, server, username: str) -> None:
    page.goto(f"{server.url}{reverse('login')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "shipshape-demo")
    page.click("form [type=submit]")
    page.wait_for_load_state()


def test_em_sees_the_dashboard_on_demo_data(demo, page, screenshot_dir: Path):
    log_in(page, demo, "erin")

    page.goto(f"{demo.url}{reverse('team-dashboard', kwargs={'key': 'PLAT'})}")

    for heading in ("Now", "Dates", "History", "Gates", "Health drift", "Flow", "Initiatives"):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    assert page.locator("svg.chart[role=img]").count() >= 8
    assert page.locator("[data-action=open-checklist]").count() >= 1
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)


def test_viewer_sees_the_dashboard_without_action_buttons(demo, page):
    log_in(page, demo, "vic")

    page.goto(f"{demo.url}{reverse('dashboard')}")

    assert page.get_by_role("heading", name="Now", exact=True).is_visible()
    assert page.locator("svg.chart[role=img]").count() >= 8
    assert page.locator("[data-action]").count() == 0
