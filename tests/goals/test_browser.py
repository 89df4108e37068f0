"""In a real browser (headless Chromium), without JavaScript doing any of the work: the EM sets
a goal with a result and a monitor, checks in twice, links an initiative, and sees both on the
goal page and in the digest preview. Screenshots under var/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from initiatives.goals.models import CheckIn, Goal
from initiatives.models import Team
from tests.factories import make_initiative

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()


def test_a_goal_with_a_result_and_a_monitor_on_its_page_and_in_the_digest(
    transactional_db, live_server, page, team, people, screenshot_dir
):
    # The team has a history, so last week's digest can be previewed.
    Team.objects.filter(pk=team.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    initiative = make_initiative(team, people["dri"], title="One-click installer")
    base = live_server.url
    sign_in(page, base, "em")
    page.goto(f"{base}/teams/PLAT/")
    page.get_by_role("link", name="Goals", exact=True).click()
    page.get_by_role("link", name="New goal").first.click()
    page.get_by_label("Title").fill("The easiest self-hosted product to deploy")
    page.get_by_label("Description").fill("Installs that **just work**.")
    started = timezone.localdate() - dt.timedelta(days=45)
    page.get_by_label("Starts on").fill(started.isoformat())
    page.get_by_role("button", name="Save goal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("easiest self-hosted product")
    goal = Goal.objects.get()

    add = page.locator("section", has=page.get_by_role("heading", name="Add a key result"))
    add.get_by_label("Title").fill("Successful installs")
    add.get_by_label("Unit").fill(" %")
    add.get_by_label("Baseline").fill("80")
    add.get_by_label("Target").fill("95")
    add.get_by_role("button", name="Add key result").click()
    expect(page.locator(".msg-success")).to_contain_text("Successful installs")
    add = page.locator("section", has=page.get_by_role("heading", name="Add a key result"))
    add.get_by_label("Title").fill("Users on the latest version")
    add.get_by_label("Kind").select_option("monitor")
    add.get_by_label("Direction").select_option("band")
    add.get_by_label("Band low").fill("60")
    add.get_by_label("Band high").fill("100")
    add.get_by_role("button", name="Add key result").click()
    expect(page.get_by_test_id("key-result")).to_have_count(2)

    # Check in twice: the result (revised the same week) and the monitor, out of its band.
    result_form = page.get_by_role("form", name="Check in Successful installs")
    result_form.get_by_label("Value").fill("81")
    result_form.get_by_label("Confidence (%)").fill("70")
    result_form.get_by_role("button").click()
    expect(page.locator(".msg-success")).to_contain_text("81")
    result_form = page.get_by_role("form", name="Check in Successful installs")
    result_form.get_by_label("Value").fill("82")
    result_form.get_by_label("Note").fill("Retries fixed")
    result_form.get_by_role("button").click()
    expect(page.locator(".msg-success")).to_contain_text("revised")
    monitor_form = page.get_by_role("form", name="Check in Users on the latest version")
    monitor_form.get_by_label("Value").fill("52")
    monitor_form.get_by_role("button").click()
    assert CheckIn.objects.count() == 2
    assert CheckIn.objects.get(value=82).revisions[0]["value"] == 81

    # Link the initiative to the result.
    result_card = page.get_by_test_id("key-result").filter(has_text="Successful installs")
    result_card.get_by_label("Link an initiative").select_option(initiative.key)
    result_card.get_by_role("button", name="Link").click()
    expect(page.locator(".msg-success")).to_contain_text(f"{initiative.key} now contributes")

    # The goal page: both key results with their charts, the contributing initiative.
    cards = page.get_by_test_id("key-result")
    expect(cards.filter(has_text="Successful installs")).to_contain_text("Behind")
    expect(cards.filter(has_text="Users on the latest version")).to_contain_text("Out of band")
    expect(page.locator("article.kr svg.chart")).to_have_count(2)
    expect(page.get_by_test_id("contributing")).to_contain_text("One-click installer")
    page.screenshot(path=str(screenshot_dir / "goal-page.png"), full_page=True)

    # The initiative page shows the key result it serves.
    page.goto(f"{base}/i/{initiative.key}/")
    expect(page.locator("#key-results")).to_contain_text("Successful installs")

    # The digest preview (of last week, as of its end) lists both in its Goals section: this
    # week's check-ins come after it, so both wait for last week's.
    page.goto(f"{base}/teams/PLAT/digest/")
    section = page.get_by_test_id("digest-goals")
    expect(section).to_contain_text("2 without a check-in")
    expect(section).to_contain_text("Users on the latest version")
    expect(section).to_contain_text("Successful installs")
    page.screenshot(path=str(screenshot_dir / "digest-goals.png"), full_page=True)
    assert goal.key_results.count() == 2
