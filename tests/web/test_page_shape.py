"""The initiative page fits the state (README "In-place updates and the page layout"): folded
checklists, the forward move as the primary button, moves that cannot succeed disabled with
the reason, the messages placed next to the control, the exceptions on the board, and error
pages that say why."""

import re

from django.urls import reverse

from initiatives import services
from initiatives.models import ChecklistItem, State, TaskState
from tests.factories import make_milestone
from tests.web.conftest import advance, open_item


def _html(client, initiative) -> str:
    return client.get(initiative.get_absolute_url()).content.decode()


def _fold_open(html: str, kind: str) -> bool:
    section = html.split(f'id="checklist-{kind}"', 1)[1]
    return bool(re.match(r'[^>]*>\s*<details class="fold"\s+open', section))


def test_checklists_fold_by_state(client, people, initiative):
    client.force_login(people["dri"])
    advance(initiative, people["dri"])  # scoping: the DoR is worked on, the DoD is later
    html = _html(client, initiative)
    assert _fold_open(html, "ready") and not _fold_open(html, "done")
    for item in ChecklistItem.objects.filter(initiative=initiative, kind="ready"):
        if item.status == "open" and not item.is_automatic:
            services.checklist_item_waive(item=item, actor=people["em"], reason="test")
    make_milestone(initiative, people["dri"])
    initiative.refresh_from_db()
    services.initiative_person_add(
        initiative=initiative, actor=people["dri"], user=people["pm"], kind="stakeholder"
    )
    services.initiative_update(
        initiative=initiative,
        actor=people["dri"],
        changes={"design_doc_url": "https://docs.example.com/rfc"},
    )
    services.initiative_transition(initiative=initiative, to=State.READY, actor=people["dri"])
    html = _html(client, initiative)
    # Ready with the DoR met: folded, its counts on the summary.
    assert not _fold_open(html, "ready") and not _fold_open(html, "done")
    assert re.search(r"✓ met · (\d+) of \1 required", html)
    # In ready the forward move, "Start delivery", is the primary button and comes first.
    moves = html.split('id="moves"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'class="btn primary">Start delivery<', moves)
    assert 'class="btn">Re-scope<' in moves
    assert moves.index("Start delivery") < moves.index("Re-scope")
    services.initiative_transition(initiative=initiative, to=State.IN_DELIVERY, actor=people["dri"])
    assert _fold_open(_html(client, initiative), "done")


def test_the_forward_move_is_primary_and_a_blocked_one_says_why(client, people, initiative):
    client.force_login(people["dri"])
    html = _html(client, initiative)
    moves = html.split('id="moves"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'class="btn primary">Start scoping<', moves)
    assert "Pause" in moves and 'class="btn">Pause<' in moves
    advance(initiative, people["dri"])
    moves = _html(client, initiative).split('id="moves"', 1)[1].split("</section>", 1)[0]
    blocked = re.search(r"<button[^>]*disabled[^>]*>Mark ready</button>", moves)
    assert blocked and 'aria-describedby="why-ready"' in blocked.group(0)
    assert 'title="The Definition of Ready is not met' in blocked.group(0)
    assert 'id="why-ready"' in moves


def test_milestone_start_only_in_delivery_and_complete_says_why(client, people, initiative):
    client.force_login(people["dri"])
    advance(initiative, people["dri"])
    milestone = make_milestone(initiative, people["dri"])
    card = _html(client, initiative).split(f'id="milestone-{milestone.pk}"', 1)[1]
    card = card.split("</li>", 1)[0]
    assert ">Start<" not in card  # always refused before delivery: not offered
    services.initiative_transition(
        initiative=initiative, to=State.READY, actor=people["em"], override=True, reason="t"
    )
    services.initiative_transition(initiative=initiative, to=State.IN_DELIVERY, actor=people["dri"])
    html = _html(client, initiative)
    assert ">Start<" in html.split(f'id="milestone-{milestone.pk}"', 1)[1].split("</li>", 1)[0]
    assert "No milestone (scoping)" not in html
    services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    services.task_create(
        initiative=initiative, actor=people["dri"], title="Open", milestone=milestone
    )
    card = _html(client, initiative).split(f'id="milestone-{milestone.pk}"', 1)[1]
    card = card.split("</li>", 1)[0]
    assert re.search(r'disabled title="Close every task of the milestone first \(1 open\)\."', card)


def test_the_message_is_placed_next_to_the_control(client, people, initiative):
    advance(initiative, people["dri"])
    item = open_item(initiative, signoff_role="", rule="", evidence="")
    client.force_login(people["dri"])
    response = client.post(reverse("checklist-item-tick", args=[item.pk]), follow=True)
    html = response.content.decode()
    row = html.split(f'id="item-{item.pk}"', 1)[1].split("</li>\n", 1)[0]
    assert f"Done: {item.text}." in row
    assert html.count(f"Done: {item.text}.") == 1  # not in the list at the top too
    # Then the cached page again, without it.
    assert f"Done: {item.text}." not in _html(client, initiative)


def test_htmx_gets_the_page_after_the_redirect(client, people, initiative):
    """htmx follows the redirect itself: the answer to the POST is the redirect, and the page
    it lands on carries the part to swap with the message in it."""
    advance(initiative, people["dri"])
    item = open_item(initiative, signoff_role="", rule="", evidence="")
    client.force_login(people["dri"])
    response = client.post(
        reverse("checklist-item-tick", args=[item.pk]), HTTP_HX_REQUEST="true", follow=True
    )
    html = response.content.decode()
    assert 'id="checklist-ready"' in html and 'hx-select="#checklist-ready"' in html
    assert 'class="messages placed" role="status"' in html


def test_board_cards_show_overrides_and_waivers(client, people, initiative):
    advance(initiative, people["em"], to_delivery=True)  # through an override
    item = open_item(initiative, kind="done", signoff_role="", rule="")
    services.checklist_item_waive(item=item, actor=people["dri"], reason="Not needed")
    client.force_login(people["dri"])
    html = client.get(reverse("team-detail", args=[initiative.team.key])).content.decode()
    assert 'class="chip overridden"' in html and "1 waived" in html
    page = client.get(initiative.get_absolute_url()).content.decode()
    bar = page.split('id="ibar"', 1)[1].split("</div>", 1)[0]
    assert 'class="chip overridden"' in bar and "1 waived" in bar


def test_error_pages_say_why_and_never_list_urls(client, people, initiative, settings):
    settings.DEBUG = False
    client.force_login(people["dri"])
    response = client.get("/i/NOPE-1/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No such initiative." in html and "URLconf" not in html
    assert "No page has this address." in client.get("/no/such/page/").content.decode()
    item = ChecklistItem.objects.filter(
        initiative=initiative, signoff_role="security", rule=""
    ).first()
    response = client.post(reverse("checklist-item-tick", args=[item.pk]))
    assert response.status_code == 403
    assert "The DRI cannot sign off their own initiative&#x27;s reviews." in (
        response.content.decode()
    )


def test_task_quick_change_is_placed_at_its_row(client, people, initiative):
    advance(initiative, people["dri"])
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Scope it")
    client.force_login(people["dri"])
    response = client.post(
        reverse("task-move", args=[task.pk]), {"state": TaskState.IN_PROGRESS}, follow=True
    )
    assert response.redirect_chain == [(f"{initiative.get_absolute_url()}#task-{task.pk}", 302)]
    row = response.content.decode().split(f'id="task-{task.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Updated task “Scope it”." in row


def test_a_move_an_earlier_override_answers_for_stays_offered(client, people, initiative):
    """Ready by the EM's override, the DoR is still not met: "Start delivery" re-checks it,
    and the override answers for the same items, so the move is offered (and goes through)."""
    advance(initiative, people["dri"])
    services.initiative_transition(
        initiative=initiative, to=State.READY, actor=people["em"], override=True, reason="Pilot"
    )
    client.force_login(people["dri"])
    moves = _html(client, initiative).split('id="moves"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<button type="submit" class="btn primary">Start delivery<', moves)
    response = client.post(
        reverse("initiative-transition", args=[initiative.key]), {"to": State.IN_DELIVERY}
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.state == State.IN_DELIVERY


def test_the_latest_update_comes_before_the_next_steps(client, people, initiative):
    """On phones (inplace.css shows #latest-update only below 900 px) the newest weekly update
    leads, compact, before the moves; the full updates card stays in the side column."""
    client.force_login(people["dri"])
    advance(initiative, people["dri"])
    html = _html(client, initiative)
    assert '<p class="empty">No update posted yet.</p>' in html.split('id="latest-update"')[1]
    services.status_update_post(
        initiative=initiative,
        actor=people["dri"],
        health="at_risk",
        progress="Pilot live",
        risks="Vendor quota runs out",
    )
    html = _html(client, initiative)
    latest = html.split('id="latest-update"', 1)[1].split("</section>", 1)[0]
    assert "Vendor quota runs out" in latest and "At risk" in latest
    assert html.index('id="latest-update"') < html.index('id="moves"') < html.index('id="updates"')
