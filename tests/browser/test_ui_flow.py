"""The DRI's main path in a real browser (headless Chromium): sign in, create an initiative,
hit the Definition of Ready gate, work through it (with the security member's sign-off from a
second session), move to ready and post the weekly update. Saves screenshots of the board and
the initiative page under var/screenshots/."""

import re

import pytest
from playwright.sync_api import Page, expect

from initiatives.models import Initiative, State

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()


def work_through_ready_items(page: Page) -> None:
    """Tick every ordinary DoR item the DRI can tick, giving a note where one is asked."""
    checklist = page.locator("#checklist-ready")
    while (button := checklist.get_by_role("button", name="Tick", exact=True)).count():
        button.first.click()
        expect(page.locator(".msg-success")).to_be_visible()
    needs_note = checklist.locator("li.item").filter(has=page.locator("summary", has_text="Tick…"))
    while needs_note.count():
        item = needs_note.first
        item.locator("summary", has_text="Tick…").click()
        item.get_by_label(re.compile("Note|Link")).fill("Written up in the RFC, section 3")
        item.get_by_role("button", name="Mark done").click()
        expect(page.locator(".msg-success")).to_be_visible()


def test_dri_takes_an_initiative_through_the_ready_gate(
    transactional_db, live_server, browser, page, team, people, screenshot_dir
):
    base = live_server.url
    sign_in(page, base, "dri")

    # Create the initiative from the team page.
    page.get_by_role("link", name="Teams").click()
    page.get_by_role("link", name=re.compile("PLAT · Platform")).click()
    page.get_by_role("link", name="New initiative").click()
    page.get_by_label("Title").fill("Ephemeral CI runners")
    page.get_by_label("Design doc / RFC link").fill("https://docs.example.com/rfc-12")
    page.get_by_label("Security risk level").select_option("medium")
    page.locator("fieldset", has_text="Stakeholders").get_by_label("Pm").check()
    page.get_by_role("button", name="Create initiative").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ephemeral CI runners")
    key = Initiative.objects.get(title="Ephemeral CI runners").key

    # Into scoping, then try the gate: it refuses and lists what is missing.
    page.locator("#moves").get_by_role("button", name="Start scoping").click()
    expect(page.locator(".ihead .state")).to_have_text("Scoping")
    # "Mark ready" cannot succeed yet: disabled, with what is missing one click away.
    expect(page.locator("#moves").get_by_role("button", name="Mark ready")).to_be_disabled()
    page.locator("#moves details.gatewarn > summary").click()
    missing = page.locator("#moves details.gatewarn ul.missing li")
    expect(missing.first).to_be_visible()
    assert missing.count() > 5

    # Plan a milestone (an automatic DoR item), tick and waive the rest.
    page.locator("#milestones").get_by_role("link", name="Add milestone").click()
    page.get_by_label("Title").fill("Pilot on two repos")
    page.get_by_label("Delivery date").fill("2031-03-31")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#milestones")).to_contain_text("Pilot on two repos")

    waive_item = page.locator("#checklist-ready li.item", has_text="Reasons not to pursue")
    waive_item.locator("summary", has_text="Waive…").click()
    waive_item.get_by_label("Why does it not apply?").fill("Nobody has raised one")
    waive_item.get_by_role("button", name="Waive").click()
    expect(page.locator("#checklist-ready li.item.status-waived")).to_contain_text(
        "Nobody has raised one"
    )
    work_through_ready_items(page)

    # Still blocked on the security sign-off, which the DRI is not offered.
    security = page.locator("#checklist-ready li.item", has=page.locator(".chip.signoff"))
    expect(security.get_by_role("button", name="Sign off")).to_have_count(0)

    # The security member signs off in their own session.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    sec_page = other.new_page()
    sign_in(sec_page, base, "sec")
    sec_page.get_by_role("link", name=re.compile(key)).first.click()
    sec_item = sec_page.locator("#checklist-ready li.item", has=sec_page.locator(".chip.signoff"))
    sec_item.get_by_role("button", name="Sign off").click()
    expect(sec_page.locator(".msg-success")).to_be_visible()
    other.close()

    # The gate is open now: move to ready.
    page.reload()
    expect(page.locator("#checklist-ready")).to_contain_text("✓ met")
    page.locator("#moves").get_by_role("button", name="Mark ready").click()
    expect(page.locator(".ihead .state")).to_have_text("Ready")
    assert Initiative.objects.get(title="Ephemeral CI runners").state == State.READY

    # Post the weekly update and see it on the page.
    page.get_by_role("link", name="Post weekly update").first.click()
    page.get_by_label("At risk").check()
    page.get_by_label("Significant progress").fill("DoR **done**; pilot repos chosen")
    page.get_by_label("Risks, delays, blockers").fill("Runner images not yet signed")
    page.get_by_label("Plan for next week").fill("- Sign images\n- Start pilot")
    page.get_by_role("button", name="Post update").click()
    updates = page.locator("#updates")
    expect(updates.locator("strong", has_text="done")).to_be_visible()
    expect(updates).to_contain_text("Runner images not yet signed")
    expect(updates.locator(".chip.health-yellow").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "initiative.png"), full_page=True)

    page.goto(f"{base}/teams/PLAT/")
    expect(page.locator(".col-ready")).to_contain_text("Ephemeral CI runners")
    page.screenshot(path=str(screenshot_dir / "board.png"), full_page=True)
    page.goto(f"{base}/teams/PLAT/?view=table")
    page.screenshot(path=str(screenshot_dir / "board-table.png"), full_page=True)
