"""What the digest says: the right initiatives in the right order with the right health change,
who did not post, milestones, gates, overrides and waivers, what finished; and its query
budget, which does not grow with the number of initiatives."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives import services
from initiatives.models import ChecklistItem, ChecklistKind, State, Team
from initiatives.weekly.digest import build_digest, render_digest
from initiatives.weekly.selectors import Recipient
from tests.factories import make_initiative
from tests.weekly.conftest import delivering, move, post, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"  # Mon 16 Nov - Sun 22 Nov 2026
W45, W46, W47, SENT = (
    utc("2026-11-04 10:00"),
    utc("2026-11-11 10:00"),
    utc("2026-11-18 10:00"),
    utc("2026-11-23 09:00"),
)


@pytest.fixture
def week(team, people):
    dri, em = people["dri"], people["em"]
    with travel(W45):
        red = delivering(team, dri, em, "Red")
        yellow = move(make_initiative(team, dri, title="Yellow"), em, State.SCOPING, State.READY)
        better = delivering(team, dri, em, "Better")
        steady = move(make_initiative(team, dri, title="Steady"), em, State.SCOPING)
        new = delivering(team, people["engineer"], em, "New")
        silent = delivering(team, people["engineer"], em, "Silent")
        paused = move(make_initiative(team, dri, title="Paused"), em, State.SCOPING,
                      State.PAUSED)  # fmt: skip
        shipped = delivering(team, dri, em, "Shipped")
        overdue = services.milestone_create(
            initiative=red, actor=dri, title="Beta", due_date=dt.date(2026, 11, 13)
        )
        # Started, so that moving its date later is a slip (before it started: planning).
        services.milestone_transition(milestone=overdue, actor=dri, to="in_progress")
        services.milestone_create(
            initiative=better, actor=dri, title="GA", due_date=dt.date(2026, 12, 1)
        )
        services.milestone_create(
            initiative=new, actor=em, title="Later", due_date=dt.date(2027, 1, 15)
        )
        post(silent, people["engineer"], "2026-W44", "on_track", W45)
    with travel(W46):
        post(red, dri, "2026-W46", "at_risk", W46)
        post(yellow, dri, "2026-W46", "on_track", W46)
        post(better, dri, "2026-W46", "off_track", W46)
        post(steady, dri, "2026-W46", "on_track", W46)
        post(paused, dri, "2026-W46", "off_track", W46)
    with travel(W47):
        post(red, dri, WEEK, "off_track", W47, progress="Load tests **failed** twice.")
        post(yellow, dri, WEEK, "at_risk", W47)
        post(better, dri, WEEK, "on_track", W47)
        post(steady, dri, WEEK, "on_track", W47)
        post(new, people["engineer"], WEEK, "at_risk", W47)
        services.milestone_update(
            milestone=overdue,
            actor=dri,
            changes={"due_date": dt.date(2026, 11, 20)},
            slip_reason="Vendor delay",
        )
        item = ChecklistItem.objects.filter(
            initiative=steady, kind=ChecklistKind.READY, signoff_role="", rule=""
        ).first()
        services.checklist_item_waive(item=item, actor=dri, reason="No customer impact")
    with travel(W47 + dt.timedelta(days=1)):
        services.initiative_transition(
            initiative=shipped, to=State.DONE, actor=em, override=True, reason="Docs follow up"
        )
    return {
        "red": red, "yellow": yellow, "better": better, "steady": steady, "new": new,
        "silent": silent, "shipped": shipped, "paused": paused,
    }  # fmt: skip


def build():
    with travel(SENT):
        return build_digest(Team.objects.get(key="PLAT"), WEEK)


def test_red_and_yellow_first_with_health_change(week):
    digest = build()
    shown = [(r.initiative.title, r.health, r.change) for r in digest.rows]
    assert shown == [
        ("Red", "off_track", "worse"),
        ("Yellow", "at_risk", "worse"),
        ("New", "at_risk", "new"),
        ("Better", "on_track", "better"),
        ("Steady", "on_track", "same"),
        ("Silent", "", "missing"),
    ]
    assert "Paused" not in [r.initiative.title for r in digest.rows]
    assert digest.subject == "[PLAT] Weekly digest 2026-W47: 2 on track, 2 at risk, 1 off track"
    red = digest.rows[0]
    assert red.progress == "Load tests failed twice."
    assert red.risks == "Risk of Red"
    assert (red.milestone_title, red.milestone_due) == ("Beta", dt.date(2026, 11, 20))
    assert (red.moves.slips, red.moves.slip_days, red.moves.pull_ins) == (1, 7, 0)
    assert red.change_label == "↓ worse (was at risk)"


def test_who_did_not_post_and_stale(week):
    digest = build()
    assert [r.initiative.title for r in digest.missing] == ["Silent"]
    assert digest.missing[0].stale  # last update in W44: two weeks in a row missed
    assert not any(r.stale for r in digest.rows if r.health)


def test_overdue_and_due_soon_milestones(week):
    digest = build()
    assert [(m.title, m.initiative.title) for m in digest.overdue] == [("Beta", "Red")]
    assert [(m.title, m.initiative.title) for m in digest.due_soon] == [("GA", "Better")]
    assert (digest.overdue[0].slip_count, digest.overdue[0].slip_days) == (1, 7)
    assert digest.overdue[0].committed_date == dt.date(2026, 11, 13)


def test_gate_waits_say_what_is_missing(week):
    digest = build()
    waiting = {w.row.title: w.gate for w in digest.gate_waits}
    assert waiting["Steady"].kind == ChecklistKind.READY
    assert any(item["signoff_role"] == "security" for item in waiting["Steady"].missing)
    assert "Red" not in waiting  # delivering: its milestone Beta is still open
    assert "Yellow" not in waiting  # ready: no gate to wait at


def test_overrides_waivers_and_finished_of_the_week_only(week):
    digest = build()
    assert [e.verb for e in digest.overrides] == [
        "checklist_item.waived",
        "initiative.gate_overridden",
    ]  # the setup's overrides in W45 are not this week's
    assert [i.title for i in digest.finished] == ["Shipped"]


def test_rendered_email_has_text_html_links_and_unsubscribe(week, people, settings):
    settings.SITE_URL = "https://shipshape.example.com"
    digest = build()
    em = people["em"]
    email = render_digest(digest, Recipient(em.email, "Em", em.pk, "Engineering manager"))
    red = week["red"]
    assert f"https://shipshape.example.com/i/{red.key}/" in email.text
    assert f'href="https://shipshape.example.com/i/{red.key}/"' in email.html
    assert "https://shipshape.example.com/teams/PLAT/digest/?week=2026-W47" in email.html
    assert email.headers["List-Unsubscribe"].startswith(
        "<https://shipshape.example.com/digest/unsubscribe/"
    )
    assert email.html.index("Red") < email.html.index("Yellow") < email.html.index("Steady")
    for section in ("Not posted for 2026-W47", "Milestones overdue", "Waiting at a gate",
                    "Gate overrides and waivers", "Finished"):  # fmt: skip
        assert section in email.html
        assert section.upper() in email.text
    assert "style=" in email.html and "<style" not in email.html  # inline styles only


def _add_initiatives(team, people, n):
    dri, em = people["dri"], people["em"]
    with travel(W45):
        rows = [delivering(team, dri, em, f"Extra {i}") for i in range(n)]
        for row in rows:
            services.milestone_create(
                initiative=row, actor=dri, title="M", due_date=dt.date(2026, 11, 25)
            )
    with travel(W47):
        for i, row in enumerate(rows):
            post(row, dri, WEEK, ["on_track", "at_risk", "off_track"][i % 3], W47)


def test_query_budget_does_not_grow_with_initiatives(week, team, people):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            digest = build()
            elapsed = time.perf_counter() - started
        return len(queries), len(digest.rows), elapsed

    small, rows_small, _ = measure()
    _add_initiatives(team, people, 20)
    large, rows_large, elapsed = measure()
    assert rows_large == rows_small + 20
    # 11: when the team's history starts, and the state and DRI as of the week read back from
    # the activity log, cost one query each (the earlier DRIs' names one more, when any); the
    # intake section one (a team without requests in play; at most three with); 2 more for
    # collaboration (requests waiting, comments of the week); 1 for the goals section (the
    # team's key results of open goals with their latest check-in); 1 for the red or overdue
    # blockers of its initiatives (policies' blocked-by links).
    assert small == large <= 16, (small, large)
    print(f"digest: {large} queries, {rows_large} initiatives, {elapsed * 1000:.0f} ms")


@pytest.mark.browser
def test_html_digest_renders_in_chromium(week, people, page, screenshot_dir):
    digest = build()
    em = people["em"]
    html = render_digest(digest, Recipient(em.email, "Em", em.pk, "Engineering manager")).html
    page.set_viewport_size({"width": 760, "height": 900})
    page.set_content(html, wait_until="load")
    assert page.locator("h1").inner_text() == "Weekly digest 2026-W47"
    first = page.locator("a", has_text=week["red"].key).first
    assert first.get_attribute("href").endswith(f"/i/{week['red'].key}/")
    width = page.evaluate("document.querySelector('table').getBoundingClientRect().width")
    assert width <= 680  # the mail-client width the layout is built for
    path = screenshot_dir / "weekly-digest.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
