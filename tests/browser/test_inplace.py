"""Feedback where you act, in Chromium (README "In-place updates and the page layout"): with
JavaScript an action updates its part of the initiative page in place (no navigation) and
its result or refusal shows next to the control, in the viewport; without JavaScript the same
forms post, redirect to the page's own URL at the control and show the same text there. Also:
a 403 page gives the domain's reason, and no page scrolls sideways at 390 px."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, expect

from initiatives import services
from initiatives.models import ChecklistItem, State, TaskState
from tests.factories import make_initiative, make_milestone
from tests.web.conftest import advance

pytestmark = pytest.mark.browser


def _context(
    browser: Browser, base: str, user, *, js: bool = True, width: int = 1280
) -> BrowserContext:
    """A browser signed in as ``user`` (the session cookie of a test client's login)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=js)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    context.set_default_timeout(15_000)
    return context


def _plain_item(initiative) -> ChecklistItem:
    return ChecklistItem.objects.filter(
        initiative=initiative, kind="ready", status="open", signoff_role="", rule="", evidence=""
    ).first()


def _delivery_with_a_closed_milestone(team, people):
    """An initiative in delivery whose milestone is in progress with its one task done: the
    page offers "Complete"."""
    initiative = make_initiative(team, people["dri"], title="Ephemeral CI runners")
    advance(initiative, people["em"], to_delivery=True)
    milestone = make_milestone(initiative, people["dri"], title="Pilot on two repos")
    services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    task = services.task_create(
        initiative=initiative,
        actor=people["dri"],
        title="Runner image",
        milestone=milestone,
        state=TaskState.DONE,
    )
    return initiative, milestone, task


@pytest.mark.parametrize("js", [True, False], ids=["htmx", "no-js"])
def test_acting_on_the_initiative_page_answers_next_to_the_control(
    transactional_db, live_server, browser, team, people, js
):
    base = live_server.url
    initiative = make_initiative(team, people["dri"])
    advance(initiative, people["dri"])  # scoping: the DoR is worked on
    item = _plain_item(initiative)
    context = _context(browser, base, people["dri"], js=js)
    page = context.new_page()
    problems: list[str] = []  # CSP violations, script errors
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and "favicon" not in r.url  # the favicon is another change's
            else None
        ),
    )
    page.goto(f"{base}{initiative.get_absolute_url()}")
    if js:
        assert page.evaluate("typeof htmx") == "object"  # served from its PyPI package
        page.evaluate("window.__sameDocument = true")
    before = page.locator("#ibar .chip.gate").first.inner_text()

    row = page.locator(f"#item-{item.pk}")
    row.scroll_into_view_if_needed()
    row.get_by_role("button", name="Tick", exact=True).click()

    placed = page.locator(f"#item-{item.pk} .messages.placed .msg-success")
    expect(placed).to_contain_text(f"Done: {item.text}")
    expect(placed).to_be_in_viewport()
    expect(page.locator(f"#item-{item.pk}")).to_have_class(re.compile("status-done"))
    expect(page.locator("#ibar .chip.gate").first).not_to_have_text(before)  # the bar follows
    assert problems == []
    if js:
        assert page.evaluate("window.__sameDocument") is True  # no navigation
    else:
        assert page.url.endswith(f"{initiative.get_absolute_url()}#item-{item.pk}")
    context.close()


@pytest.mark.parametrize("js", [True, False], ids=["htmx", "no-js"])
def test_a_refused_milestone_completion_shows_its_reason_in_view(
    transactional_db, live_server, browser, team, people, js
):
    base = live_server.url
    initiative, milestone, task = _delivery_with_a_closed_milestone(team, people)
    context = _context(browser, base, people["dri"], js=js)
    page = context.new_page()
    page.goto(f"{base}{initiative.get_absolute_url()}")
    # Someone reopens the task after the page was shown: the completion is refused.
    services.task_update(task=task, actor=people["engineer"], changes={"state": TaskState.TODO})
    card = page.locator(f"#milestone-{milestone.pk}")
    card.scroll_into_view_if_needed()
    card.get_by_role("button", name="Complete").click()
    error = page.locator(f"#milestone-{milestone.pk} .messages.placed .msg-error")
    expect(error).to_contain_text("Close every task of the milestone first")
    expect(error).to_be_in_viewport()
    # Now the page knows: Complete is disabled and says why.
    disabled = page.locator(f"#milestone-{milestone.pk}").get_by_role("button", name="Complete")
    expect(disabled).to_be_disabled()
    expect(disabled).to_have_attribute("title", re.compile("Close every task"))
    context.close()


@pytest.mark.parametrize("js", [True, False], ids=["htmx", "no-js"])
def test_an_empty_override_reason_shows_its_error(
    transactional_db, live_server, browser, team, people, js
):
    base = live_server.url
    initiative = make_initiative(team, people["dri"])
    advance(initiative, people["dri"])
    context = _context(browser, base, people["em"], js=js)
    page = context.new_page()
    url = f"{base}{initiative.get_absolute_url()}"
    page.goto(url)
    moves = page.locator("#moves")
    expect(moves.get_by_role("button", name="Mark ready")).to_be_disabled()
    moves.locator("details.gatewarn > summary").click()
    moves.locator("details.override > summary").click()
    moves.get_by_role("button", name="Override and move").click()
    error = page.locator("#moves .field-error")
    expect(error).to_contain_text("Give a reason")
    expect(error).to_be_in_viewport()
    assert page.url.split("#")[0] == url  # never the /move/ URL
    assert type(initiative).objects.get(pk=initiative.pk).state == State.SCOPING
    context.close()


def test_a_403_page_gives_the_reason(transactional_db, live_server, browser, team, people):
    """The DRI is not offered the security sign-off; posting it anyway answers the same reason
    the API gives, on a page of the site."""
    base = live_server.url
    initiative = make_initiative(team, people["dri"])
    advance(initiative, people["dri"])
    item = ChecklistItem.objects.filter(
        initiative=initiative, signoff_role="security", rule=""
    ).first()
    context = _context(browser, base, people["dri"])
    page = context.new_page()
    page.goto(f"{base}{initiative.get_absolute_url()}")
    with page.expect_navigation():
        page.evaluate(
            """url => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = url;
                form.append(document.querySelector("input[name=csrfmiddlewaretoken]").cloneNode());
                document.body.append(form);
                form.submit();
            }""",
            reverse("checklist-item-tick", args=[item.pk]),
        )
    expect(page.get_by_role("heading", name="You may not do this")).to_be_visible()
    expect(page.locator("[data-reason]")).to_have_text(
        "The DRI cannot sign off their own initiative's reviews."
    )
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(
    transactional_db, live_server, browser, team, people, screenshot_dir
):
    """At 390 px: scrollWidth <= innerWidth on my work, the board, the table, the initiative
    page, the dashboard, the digest preview and the update form (saved as screenshots)."""
    base = live_server.url
    initiative, _milestone, _task = _delivery_with_a_closed_milestone(team, people)
    services.status_update_post(
        initiative=initiative,
        actor=people["dri"],
        health="at_risk",
        progress="Pilot live on two repositories with a long unbroken word: "
        "supercalifragilisticexpialidocious-runner-image-pipeline",
        risks="Vendor quota",
    )
    pages = {
        "my-work": reverse("my-work"),
        "board": reverse("team-detail", args=[team.key]),
        "table": reverse("team-detail", args=[team.key]) + "?view=table",
        "initiative": initiative.get_absolute_url(),
        "dashboard": reverse("dashboard"),
        "digest": reverse("weekly-digest-preview", args=[team.key]),
        "update-form": reverse("status-update", args=[initiative.key]),
    }
    context = _context(browser, base, people["dri"], width=390)
    page = context.new_page()
    wide = {}
    for name, path in pages.items():
        page.goto(f"{base}{path}")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            wide[name] = scroll
        page.screenshot(path=str(screenshot_dir / f"phone-{name}.png"), full_page=True)
    assert wide == {}
    # On a phone the initiative page leads with state, gates, the latest update, next steps.
    page.goto(f"{base}{initiative.get_absolute_url()}")
    tops = page.evaluate(
        "['ibar', 'latest-update', 'moves', 'checklist-ready', 'updates'].map("
        "id => document.getElementById(id).getBoundingClientRect().top)"
    )
    assert tops == sorted(tops)
    context.close()
