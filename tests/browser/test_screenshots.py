"""Screenshots of every page at 1366 and 390 px, light and dark (``prefers-color-scheme``),
under var/screenshots/pages/ (not committed): for people to look at, not an assertion beyond
"each page answers 200 and does not scroll sideways". Slow-ish (some 25 pages x 4), so it
runs only when asked:

    SHIPSHAPE_SCREENSHOTS=1 CHROMIUM_PATH=$(command -v chromium) \\
        .venv/bin/python -m pytest tests/browser/test_screenshots.py -p no:cacheprovider
"""

from __future__ import annotations

import os

import pytest
from django.test import Client
from django.urls import reverse

from initiatives import services
from initiatives.models import ChecklistItem
from tests.factories import make_initiative, make_milestone
from tests.web.conftest import advance, populate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.environ.get("SHIPSHAPE_SCREENSHOTS"), reason="set SHIPSHAPE_SCREENSHOTS=1"
    ),
]

SIZES = {"desktop": 1366, "phone": 390}
SCHEMES = ("light", "dark")


def _pages(team, people) -> dict[str, str]:
    delivering = populate(team, people, 3)
    first = delivering[0]
    scoping = make_initiative(team, people["dri"], title="Adopt Renovate for dependency updates")
    advance(scoping, people["dri"])
    item = ChecklistItem.objects.filter(initiative=scoping, signoff_role="", rule="").first()
    services.checklist_item_waive(item=item, actor=people["dri"], reason="Internal tool only")
    milestone = make_milestone(first, people["dri"], title="Roll-out")
    task = services.task_create(initiative=first, actor=people["dri"], title="Write runbook")
    return {
        "my-work": reverse("my-work"),
        "teams": reverse("team-list"),
        "board": reverse("team-detail", args=[team.key]),
        "table": reverse("team-detail", args=[team.key]) + "?view=table",
        "initiative-delivery": first.get_absolute_url(),
        "initiative-scoping": scoping.get_absolute_url(),
        "initiative-new": reverse("initiative-create", args=[team.key]),
        "initiative-edit": reverse("initiative-edit", args=[first.key]),
        "people": reverse("initiative-people", args=[first.key]),
        "evidence": reverse("initiative-evidence", args=[first.key]),
        "update-form": reverse("status-update", args=[first.key]),
        "milestone-new": reverse("milestone-create", args=[first.key]),
        "milestone-edit": reverse("milestone-edit", args=[milestone.pk]),
        "task-new": reverse("task-create", args=[first.key]),
        "task-edit": reverse("task-edit", args=[task.pk]),
        "dashboard": reverse("dashboard"),
        "team-dashboard": reverse("team-dashboard", args=[team.key]),
        "digest": reverse("weekly-digest-preview", args=[team.key]),
        "digest-subscription": reverse("weekly-subscription", args=[team.key]),
        "inbox": reverse("inbox"),
        "tokens": "/settings/tokens/",
        "chat-settings": reverse("chat-settings"),
        "requests": reverse("intake-my-requests"),
        "not-found": "/i/NOPE-1/",
    }


def test_screenshots_of_every_page(
    transactional_db, live_server, browser, team, people, screenshot_dir
):
    base = live_server.url
    pages = _pages(team, people)
    client = Client()
    client.force_login(people["em"])
    session = client.cookies["sessionid"].value
    out = screenshot_dir / "pages"
    out.mkdir(parents=True, exist_ok=True)
    wide: dict[str, int] = {}
    for scheme in SCHEMES:
        for size, width in SIZES.items():
            context = browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme
            )
            context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
            page = context.new_page()
            for name, path in pages.items():
                response = page.goto(f"{base}{path}")
                assert response is not None
                assert response.status == (404 if name == "not-found" else 200), name
                scroll = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                if scroll > 0:
                    wide[f"{name}@{width}"] = scroll
                page.screenshot(path=str(out / f"{name}-{size}-{scheme}.png"), full_page=True)
            context.close()
    assert wide == {}
