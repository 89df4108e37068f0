"""Creating, editing and moving initiatives, and their people, through the web forms."""

from django.urls import reverse

from initiatives.models import ActivityEvent, ChecklistItem, Initiative, ItemStatus, State
from tests.web.conftest import advance


def test_dri_creates_an_initiative_and_lands_on_its_page(client, team, people):
    client.force_login(people["dri"])
    response = client.post(
        reverse("initiative-create", args=[team.key]),
        {"title": "Adopt Renovate", "dri": people["dri"].pk, "stakeholders": [people["pm"].pk]},
    )
    created = Initiative.objects.get(title="Adopt Renovate")
    assert response.status_code == 302 and response.url == created.get_absolute_url()
    assert list(created.stakeholders.all()) == [people["pm"]]
    assert ChecklistItem.objects.filter(initiative=created).exists()


def test_create_errors_are_shown_beside_fields_and_keep_input(client, team, people):
    client.force_login(people["dri"])
    response = client.post(
        reverse("initiative-create", args=[team.key]),
        {"title": "", "dri": people["dri"].pk, "design_doc_url": "not a url", "summary": "Kept"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "title" in form.errors and "design_doc_url" in form.errors
    assert "Kept" in response.content.decode()


def test_service_validation_lands_on_the_field(client, team, people):
    """A viewer cannot be DRI: the form offers contributors only and the service agrees."""
    client.force_login(people["dri"])
    response = client.post(
        reverse("initiative-create", args=[team.key]),
        {"title": "X", "dri": people["viewer"].pk},
    )
    assert response.status_code == 400
    assert "dri" in response.context["form"].errors


def test_edit_saves_and_stale_version_is_refused(client, people, initiative):
    client.force_login(people["dri"])
    url = reverse("initiative-edit", args=[initiative.key])
    data = {"title": "Renamed", "dri": people["dri"].pk, "version": initiative.version}
    assert client.post(url, data).status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Renamed"
    # Posting the same (now outdated) version again is a stale write, not a silent overwrite.
    response = client.post(url, {**data, "title": "Again"})
    assert response.status_code == 412
    assert "changed by someone else" in response.content.decode()


def test_gate_blocked_move_lists_missing_items(client, people, initiative):
    advance(initiative, people["dri"])
    client.force_login(people["dri"])
    url = reverse("initiative-transition", args=[initiative.key])
    response = client.post(url, {"to": State.READY}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409  # htmx: the page with the refusal, swapped in place
    response = client.post(url, {"to": State.READY}, follow=True)
    # Without JavaScript: at the page's own URL, at the moves, with the missing items.
    assert response.redirect_chain == [(f"{initiative.get_absolute_url()}#moves", 303)]
    html = response.content.decode()
    assert "Missing from the Definition of Ready" in html
    missing = response.context["blocked"].missing
    assert missing and all(f'href="#item-{m["id"]}"' in html for m in missing)
    initiative.refresh_from_db()
    assert initiative.state == State.SCOPING


def test_only_em_is_offered_and_may_use_the_override(client, people, initiative):
    advance(initiative, people["dri"])
    url = reverse("initiative-transition", args=[initiative.key])
    client.force_login(people["dri"])
    assert "Override the gate" not in client.get(initiative.get_absolute_url()).content.decode()
    data = {"to": State.READY, "override": "on", "reason": "Pilot"}
    assert client.post(url, data).status_code == 403
    client.force_login(people["em"])
    assert "Override the gate" in client.get(initiative.get_absolute_url()).content.decode()
    response = client.post(url, {"to": State.READY, "override": "on", "reason": ""}, follow=True)
    assert response.redirect_chain[-1][1] == 303
    assert "Give a reason" in response.content.decode()
    hx = client.post(
        url, {"to": State.READY, "override": "on", "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert hx.status_code == 400 and "Give a reason" in hx.content.decode()
    assert client.post(url, data).status_code == 302
    initiative.refresh_from_db()
    assert initiative.state == State.READY
    assert ActivityEvent.objects.filter(verb="initiative.gate_overridden").exists()


def test_cancel_asks_for_a_reason(client, people, initiative):
    client.force_login(people["dri"])
    url = reverse("initiative-transition", args=[initiative.key])
    response = client.post(url, {"to": State.CANCELLED, "reason": ""}, follow=True)
    # Back at the page's own URL, at the refused reason form.
    assert response.redirect_chain == [(f"{initiative.get_absolute_url()}#move-cancelled", 303)]
    assert response.context["failed"].form.errors["reason"]
    assert client.post(url, {"to": State.CANCELLED, "reason": "Superseded"}).status_code == 302


def test_impossible_move_is_an_error_message(client, people, initiative):
    client.force_login(people["dri"])
    response = client.post(
        reverse("initiative-transition", args=[initiative.key]), {"to": State.DONE}, follow=True
    )
    assert response.redirect_chain[-1][1] == 303
    assert "cannot move from Discovery to Done" in response.content.decode()


def test_people_page_adds_and_removes_stakeholders(client, people, initiative):
    client.force_login(people["dri"])
    url = reverse("initiative-people", args=[initiative.key])
    assert client.post(url, {"user": people["legal"].pk, "kind": "stakeholder"}).status_code == 302
    assert people["legal"] in initiative.stakeholders.all()
    response = client.post(url, {"user": people["legal"].pk, "kind": "stakeholder"})
    assert response.status_code == 400 and "already" in response.content.decode()
    remove = reverse("initiative-person-remove", args=[initiative.key])
    client.post(remove, {"user": people["legal"].pk, "kind": "stakeholder"})
    assert people["legal"] not in initiative.stakeholders.all()


def test_initiative_page_shows_the_stale_flag(client, people, initiative):
    advance(initiative, people["dri"])
    Initiative.objects.filter(pk=initiative.pk).update(last_update_week="2020-W01")
    client.force_login(people["dri"])
    Initiative.objects.filter(pk=initiative.pk).update(created_at="2020-01-01T00:00:00Z")
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "Stale: no update since 2020-W01" in html
    board = client.get(reverse("team-detail", args=[initiative.team.key])).content.decode()
    assert 'class="chip stale"' in board


def test_item_status_is_shown_with_who_and_when(client, people, initiative):
    item = ChecklistItem.objects.filter(
        initiative=initiative, signoff_role="", rule="", evidence=""
    ).first()
    client.force_login(people["dri"])
    client.post(reverse("checklist-item-tick", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert f"Done by {people['dri'].get_full_name()}" in html
