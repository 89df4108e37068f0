"""Search, keyboard shortcuts, dark mode and the live Markdown preview in a real browser
(headless Chromium): "/" focuses the header's search and a two-word prefix query finds an
initiative by words of its title; "?" shows the shortcuts and "g d", "u" navigate; the dark
colour scheme changes the page background; the update form previews its Markdown."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_ui_flow import sign_in
from tests.factories import make_initiative

pytestmark = pytest.mark.browser


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_dark_mode_changes_the_page_background(
    transactional_db, live_server, browser, team, people, screenshot_dir
):
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, "dri")
        colours[scheme] = background(page)
        page.screenshot(path=str(screenshot_dir / f"my-work-1366-{scheme}.png"))
        context.close()
    assert colours["light"] == "rgb(246, 248, 250)"
    assert colours["dark"] == "rgb(13, 17, 23)"


def test_slash_focuses_search_and_two_word_prefixes_find_an_initiative(
    transactional_db, live_server, page, team, people, screenshot_dir
):
    initiative = make_initiative(team, people["dri"], title="Preview permissions for editors")
    make_initiative(team, people["dri"], title="Billing export")
    sign_in(page, live_server.url, "dri")
    page.locator("main").click()
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name=re.compile("Search initiatives"))
    expect(search).to_be_focused()
    page.keyboard.type("preview per")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=preview\+per"))
    results = page.get_by_role("region", name=re.compile("Initiatives"))
    expect(results.get_by_role("link", name="Preview permissions for editors")).to_be_visible()
    expect(page.get_by_text("Billing export")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "search-1366-light.png"))

    # "?" shows the shortcuts (a labelled dialog); Escape closes it; typing in a field is
    # never a shortcut.
    page.locator("main h1").click()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("searchbox", name=re.compile("Search initiatives")).first.click()
    page.keyboard.type("g")
    page.keyboard.type("d")
    expect(page).to_have_url(re.compile(r"/search/"))

    # "g d" goes to the dashboard; on an initiative page "u" opens its update form, whose
    # Markdown fields preview as one types.
    page.locator("main h1").click()
    page.keyboard.press("g")
    page.keyboard.press("d")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}{initiative.get_absolute_url()}")
    page.locator("main h1").click()
    page.keyboard.press("u")
    expect(page).to_have_url(re.compile(rf"/i/{initiative.key}/update/$"))
    risks = page.get_by_role("textbox", name=re.compile("^Risks"))
    risks.fill("| Risk | Owner |\n| --- | --- |\n| **Vendor** | pat |")
    preview = page.locator("#id_risks-preview")
    expect(preview).to_have_attribute("aria-label", "Preview, as the page will show it")
    expect(preview.locator("table strong")).to_have_text("Vendor")
