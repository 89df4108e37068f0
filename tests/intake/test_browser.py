"""In a real browser (headless Chromium): a member of another team asks PLAT for something,
the person on call accepts it into a new initiative from the triage queue, and the requester
sees it accepted with a link to the initiative. Screenshots under var/screenshots/."""

import re

import pytest
from playwright.sync_api import Page, expect

from initiatives.intake import rotation as rota_services
from initiatives.intake.models import IntakeRequest, RequestState

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()


def test_a_request_from_another_team_is_accepted_into_an_initiative(
    transactional_db, live_server, browser, team, people, screenshot_dir
):
    rota_services.rotation_set(
        team=team, actor=people["em"], members=[people["engineer"], people["dri"]]
    )
    base = live_server.url

    # The outsider (an EM of DATA) asks PLAT, seeing who is on call.
    asker = browser.new_context(viewport={"width": 1280, "height": 900})
    page = asker.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "outsider")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My requests").click()
    page.get_by_role("link", name="Ask PLAT").click()
    expect(page.get_by_test_id("on-call")).to_contain_text("Eng")
    page.get_by_label("Title").fill("Ephemeral runners for the data pipelines")
    page.get_by_label("Description").fill("Our nightly builds queue for **40 minutes**.")
    page.get_by_label("Category").select_option("feature")
    page.get_by_role("button", name="Send to PLAT").click()
    expect(page.get_by_test_id("request-state")).to_contain_text("New")
    request = IntakeRequest.objects.get()

    # The person on call sees it counted on My work and accepts it from the queue.
    triager = browser.new_context(viewport={"width": 1280, "height": 900})
    other = triager.new_page()
    other.set_default_timeout(15_000)
    sign_in(other, base, "eng")
    expect(other.locator("#h-oncall")).to_be_visible()
    other.get_by_role("link", name="Triage queue").first.click()
    row = other.get_by_test_id("queue-row").filter(has_text="Ephemeral runners")
    expect(row).to_be_visible()
    other.screenshot(path=str(screenshot_dir / "intake-queue.png"), full_page=True)
    row.get_by_role("button", name="Accept").click()
    expect(other.locator(".msg-success")).to_contain_text("now accepted")
    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED
    key = request.initiative.key

    # The requester sees it accepted, with a link to the request that follows the initiative
    # (its state and DRI; the initiative's own page opens to PLAT's members).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My requests").click()
    expect(page.get_by_text("Accepted").first).to_be_visible()
    expect(page.locator("#main")).to_contain_text(key)
    page.get_by_role("link", name="Ephemeral runners for the data pipelines").click()
    accepted = page.get_by_test_id("accepted-into")
    expect(accepted).to_contain_text(f"{key} Ephemeral runners for the data pipelines")
    expect(accepted).to_contain_text("now discovery")
    page.screenshot(path=str(screenshot_dir / "intake-accepted.png"), full_page=True)
    # The person on call follows the link to the new initiative.
    other.goto(f"{base}/requests/{request.pk}/")
    other.get_by_test_id("accepted-into").get_by_role("link").click()
    expect(other).to_have_url(re.compile(rf"/i/{key}/$"))
    expect(other.get_by_role("heading", level=1)).to_contain_text("Ephemeral runners")
    asker.close()
    triager.close()
