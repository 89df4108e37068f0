"""In a real browser (headless Chromium): the DRI mentions a colleague in a comment; the
colleague signs in, sees the unread count on the bell, opens the notification and lands on the
comment. Saves a screenshot of the discussion under var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from initiatives.collab.models import Comment
from tests.browser.test_ui_flow import sign_in
from tests.factories import make_initiative

pytestmark = pytest.mark.browser


def test_a_mention_reaches_the_colleague_and_leads_to_the_comment(
    transactional_db, live_server, browser, page, team, people, screenshot_dir
):
    base = live_server.url
    initiative = make_initiative(team, people["dri"], title="Ephemeral CI runners")

    sign_in(page, base, "dri")
    page.goto(f"{base}{initiative.get_absolute_url()}")
    form = page.locator("#new-comment")
    form.get_by_label(re.compile("^Comment")).fill("@eng could you check the **runner quotas**?")
    form.get_by_role("button", name="Comment").click()
    comment = Comment.objects.get()
    expect(page).to_have_url(re.compile(rf"#comment-{comment.pk}$"))
    expect(page.locator(f"#comment-{comment.pk} .mention")).to_have_text("@Eng")

    colleague = browser.new_context(viewport={"width": 1280, "height": 900})
    theirs = colleague.new_page()
    theirs.set_default_timeout(15_000)
    try:
        sign_in(theirs, base, "eng")
        bell = theirs.locator("a.bell")
        expect(bell.locator(".count")).to_have_text("1")
        bell.click()
        expect(theirs.get_by_role("heading", name="Inbox")).to_be_visible()
        theirs.get_by_role("link", name=re.compile("Dri mentioned you")).click()
        expect(theirs).to_have_url(re.compile(rf"/i/{initiative.key}/#comment-{comment.pk}$"))
        landed = theirs.locator(f"#comment-{comment.pk}")
        expect(landed).to_be_in_viewport()
        expect(landed).to_contain_text("runner quotas")
        # Read now: the bell has no count any more.
        expect(theirs.locator("a.bell .count")).to_have_count(0)
        theirs.screenshot(path=str(screenshot_dir / "discussion.png"), full_page=False)
    finally:
        colleague.close()
