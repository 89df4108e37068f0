"""What the messages say and how they are written for each chat: Block Kit within Slack's
documented limits, Mattermost attachments with Markdown, mentions by chat handle, people's
text escaped."""

from __future__ import annotations

import pytest

from initiatives.chat import messages
from initiatives.chat import services as chat
from initiatives.chat.format import (
    SLACK_MAX_BLOCKS,
    SLACK_MAX_TEXT,
    Markup,
    Message,
    Section,
    slack_limit_errors,
)
from initiatives.models import Health, State
from initiatives.weekly.digest import build_digest
from tests.factories import make_initiative
from tests.weekly.conftest import backdate, delivering, post, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"


def test_the_reminder_mentions_dris_by_their_handle_or_name(team, people):
    chat.chat_identity_set(user=people["dri"], slack_user_id="U0DRI1", mattermost_username="dana")
    first = make_initiative(team, people["dri"], title="Ephemeral CI runners")
    second = make_initiative(team, people["engineer"], title="Postgres 17")
    for initiative in (first, second):
        initiative.state = State.SCOPING
        initiative.save()
    slack = messages.reminder_message("slack", team, WEEK)
    mattermost = messages.reminder_message("mattermost", team, WEEK)
    assert slack and mattermost
    slack_text = str(slack.payload()["blocks"])
    assert "<@U0DRI1>" in slack_text and "*Eng*" in slack_text
    assert f"<http://127.0.0.1:8000/i/{first.key}/update/|{first.key} Ephemeral CI runners>" in (
        slack_text
    )
    mm_text = str(mattermost.payload()["attachments"])
    assert "@dana" in mm_text and "**Eng**" in mm_text
    assert f"[{first.key} Ephemeral CI runners](http://127.0.0.1:8000/i/{first.key}/update/)" in (
        mm_text
    )


def test_no_reminder_when_nothing_is_missing(team):
    assert messages.reminder_message("slack", team, WEEK) is None


@pytest.mark.parametrize("count", [3, 150])
def test_block_kit_stays_within_slacks_limits(team, people, count, django_assert_max_num_queries):
    long_title = "Migrate " + "the very long service name " * 8
    for n in range(count):
        initiative = make_initiative(team, people["dri"], title=f"{long_title} {n}"[:200])
        initiative.state = State.IN_DELIVERY
        initiative.save()
    with django_assert_max_num_queries(2):
        message = messages.reminder_message("slack", team, WEEK)
    assert message is not None
    payload = message.payload()
    assert slack_limit_errors(payload) == []
    assert len(payload["blocks"]) <= SLACK_MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= SLACK_MAX_TEXT for b in payload["blocks"])
    if count > messages.MAX_ROWS:
        assert f"and {count - messages.MAX_ROWS} more" in str(payload["blocks"])


def test_a_message_too_long_for_50_blocks_is_cut_with_a_link():
    sections = [Section(heading=f"*{n}*", lines=["x" * 2900]) for n in range(80)]
    message = Message(kind="slack", header="H" * 400, fallback="f", sections=sections,
                      footer="footer", more_url="https://shipshape.example/more")  # fmt: skip
    payload = message.payload()
    assert slack_limit_errors(payload) == []
    assert len(payload["blocks"]) == SLACK_MAX_BLOCKS
    assert "see the whole message" in payload["blocks"][-2]["text"]["text"]


def test_the_limit_check_finds_what_slack_would_refuse():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}] * 51
    errors = slack_limit_errors({"blocks": blocks})
    assert "51 blocks (at most 50)" in errors and "no text fallback" in errors
    assert any("3001 characters" in e for e in errors)


SLACK_SAFE = "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"
MATTERMOST_SAFE = "@\u200ball \\[click\\]\\(https://evil\\) \\*\\*x\\*\\*"


@pytest.mark.parametrize(
    "kind,hostile,safe",
    [
        ("slack", "<!channel> & <https://evil|click>", SLACK_SAFE),
        ("mattermost", "@all [click](https://evil) **x**", MATTERMOST_SAFE),
    ],
)
def test_peoples_text_cannot_mention_everyone_or_make_links(kind, hostile, safe):
    assert Markup(kind).text(hostile) == safe


def test_the_digest_puts_red_and_yellow_first_with_their_risks(team, people):
    backdate(team)
    now = utc("2026-11-20 10:00")
    with travel(utc("2026-11-16 10:00")):
        green = delivering(team, people["dri"], people["em"], "Green one")
        red = delivering(team, people["dri"], people["em"], "Red one")
        yellow = delivering(team, people["dri"], people["em"], "Yellow one")
    with travel(now):
        post(green, people["dri"], WEEK, Health.ON_TRACK, now)
        post(red, people["dri"], WEEK, Health.OFF_TRACK, now, risks="Vendor <!here> quota")
        post(yellow, people["dri"], WEEK, Health.AT_RISK, now)
    report = build_digest(team, WEEK, now=utc("2026-11-23 10:00"))
    payload = messages.digest_message("slack", report).payload()
    assert slack_limit_errors(payload) == []
    text = "\n".join(b["text"]["text"] for b in payload["blocks"] if "text" in b)
    assert "🟢 1 on track · 🟡 1 at risk · 🔴 1 off track" in text
    assert text.index("Red one") < text.index("Yellow one")
    assert "Vendor &lt;!here" in text and "<!here" not in text and "Green one" not in text
    assert "/teams/PLAT/digest/?week=2026-W47" in str(payload["blocks"][-1])
    mattermost = messages.digest_message("mattermost", report).payload()
    colours = [a.get("color") for a in mattermost["attachments"]]
    assert "#cf222e" in colours and mattermost["attachments"][0]["pretext"].startswith("####")


def test_an_event_is_one_line_with_a_link(team, people, initiative):
    from initiatives import services
    from initiatives.models import ActivityEvent

    services.initiative_transition(initiative=initiative, actor=people["dri"], to=State.SCOPING)
    event = ActivityEvent.objects.get(verb="initiative.transitioned")
    slack = messages.event_payload("slack", event)
    assert len(slack["blocks"]) == 1 and "\n" not in slack["blocks"][0]["text"]["text"]
    assert f"|{initiative.key}>" in slack["blocks"][0]["text"]["text"]
    mattermost = messages.event_payload("mattermost", event)
    assert f"[{initiative.key}](http://127.0.0.1:8000/i/{initiative.key}/)" in mattermost["text"]


ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt; &amp;"


@pytest.mark.parametrize(
    "text,shown",
    [
        ("<https://x.example/i/1/|PLAT-1 *Runners*> — <@U0DRI1>",
         '<a href="https://x.example/i/1/">PLAT-1 <strong>Runners</strong></a> — '
         '<span class="mention">@U0DRI1</span>'),
        (ESCAPED_SCRIPT, ESCAPED_SCRIPT),
        ('<javascript:alert(1)|click>', "&lt;javascript:alert(1)|click&gt;"),
        ('<https://x" onmouseover="alert(1)|x>',
         '<a href="https://x&quot; onmouseover=&quot;alert(1)">x</a>'),
    ],
)  # fmt: skip
def test_the_web_preview_renders_slack_markup_safely(text, shown):
    from initiatives.chat.format import slack_mrkdwn_html

    assert slack_mrkdwn_html(text) == shown
