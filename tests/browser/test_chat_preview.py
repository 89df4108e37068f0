"""The chat message preview in a real browser (headless Chromium): the reminder and the digest
as Slack Block Kit and as Mattermost attachments. Saves var/screenshots/chat-preview-slack.png
and chat-preview-mattermost.png (the README shows the first)."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from initiatives import services
from initiatives.chat import services as chat
from initiatives.models import Health, State, Team
from tests.browser.test_ui_flow import sign_in
from tests.factories import make_initiative

pytestmark = pytest.mark.browser


def test_the_em_previews_the_messages(
    transactional_db, live_server, browser, page, team, people, screenshot_dir
):
    chat.chat_identity_set(user=people["dri"], slack_user_id="U0DRI1", mattermost_username="dana")
    last_week = timezone.now() - dt.timedelta(days=7)
    Team.objects.filter(pk=team.pk).update(created_at=last_week - dt.timedelta(days=7))
    titles = ["Ephemeral CI runners", "Postgres 17 upgrade", "Move DNS to Route 53"]
    with time_machine.travel(last_week, tick=False):
        initiatives = []
        for n, title in enumerate(titles):
            dri = people["dri"] if n else people["engineer"]
            initiative = make_initiative(team, dri, title=title)
            services.initiative_transition(initiative=initiative, actor=dri, to=State.SCOPING)
            initiatives.append(initiative)
        services.status_update_post(
            initiative=initiatives[0], actor=people["em"], health=Health.OFF_TRACK,
            risks="Vendor quota for runners not granted yet",
        )  # fmt: skip
        services.status_update_post(
            initiative=initiatives[1], actor=people["em"], health=Health.AT_RISK,
            risks="Needs a maintenance window",
        )  # fmt: skip
    sign_in(page, live_server.url, "em")
    for kind in ("slack", "mattermost"):
        page.goto(f"{live_server.url}/teams/PLAT/chat/preview/?kind={kind}")
        expect(page.get_by_role("heading", name="Reminder")).to_be_visible()
        expect(page.get_by_text(re.compile("weekly updates due")).first).to_be_visible()
        if kind == "slack":
            expect(page.get_by_text(re.compile("of 50 blocks")).first).to_be_visible()
        page.screenshot(path=str(screenshot_dir / f"chat-preview-{kind}.png"), full_page=True)
