"""Contract tests: teams, initiatives (list, create, read, edit, transition), checklists."""

from __future__ import annotations

import pytest

from initiatives import services
from initiatives.models import ChecklistItem, Initiative, ItemStatus, State

ROLES = ["dri", "engineer", "em", "pm", "security", "legal", "viewer", "outsider"]


def url(initiative, suffix: str = "") -> str:
    return f"/api/v1/initiatives/{initiative.key}/{suffix}"


# --- Teams -------------------------------------------------------------------------------------


def test_teams_list_only_the_callers_teams(clients):
    assert [t["key"] for t in clients["outsider"].get("/api/v1/teams/").json()["results"]] == [
        "DATA"
    ]


@pytest.mark.parametrize("role,expected", [("viewer", 200), ("outsider", 404)])
def test_team_detail_is_404_for_non_members(clients, role, expected):
    response = clients[role].get("/api/v1/teams/PLAT/")
    assert response.status_code == expected
    if expected == 404:
        assert response.json()["code"] == "not_found"


# --- Reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_an_initiative_and_outsiders_get_404(clients, initiative, role):
    response = clients[role].get(url(initiative))
    if role == "outsider":
        assert response.status_code == 404
        assert response.json() == {
            "code": "not_found",
            "detail": f"No initiative {initiative.key}.",
            "fields": {},
        }
        return
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == initiative.key and body["state"] == "discovery"
    assert body["gates"]["ready"]["met"] is False
    assert response["ETag"] == f'"{initiative.version}"'
    assert [t["to"] for t in body["transitions"]] == ["scoping", "paused", "cancelled"]


def test_list_rows_carry_gate_summaries_and_the_detail_the_missing_items(clients, initiative):
    row = clients["viewer"].get("/api/v1/initiatives/").json()["results"][0]
    assert row["key"] == initiative.key
    detail = clients["viewer"].get(url(initiative)).json()
    for gate in ("ready", "done"):
        assert set(row["gates"][gate]) == {"met", "percent", "required_total", "required_satisfied"}
        summary = {k: v for k, v in detail["gates"][gate].items() if k != "missing"}
        assert row["gates"][gate] == summary
    assert detail["gates"]["ready"]["missing"]
    assert "members" not in row and "transitions" not in row


def test_list_filters_orders_and_paginates(clients, team, people):
    dri, em = people["dri"], people["em"]
    a = services.initiative_create(team=team, actor=dri, title="Alpha runners")
    b = services.initiative_create(team=team, actor=em, title="Beta mesh", summary="mTLS")
    services.initiative_transition(initiative=b, actor=em, to=State.SCOPING)
    client = clients["viewer"]
    get = lambda query: [  # noqa: E731
        row["key"] for row in client.get(f"/api/v1/initiatives/{query}").json()["results"]
    ]
    assert get("") == [a.key, b.key]
    assert get("?state=scoping") == [b.key]
    assert get("?dri=em") == [b.key]
    assert get("?q=mtls") == [b.key]
    assert get(f"?q={a.key}") == [a.key]
    assert get("?team=plat&ordering=-number") == [b.key, a.key]
    assert get("?team=DATA") == []
    assert get("?health=on_track") == []
    assert get("?updated_after=2000-01-01T00:00:00Z") == [a.key, b.key]
    page = client.get("/api/v1/initiatives/?page_size=1&page=2").json()
    assert page["count"] == 2 and [r["key"] for r in page["results"]] == [b.key]
    assert clients["outsider"].get("/api/v1/initiatives/").json()["count"] == 0


@pytest.mark.parametrize(
    "query",
    ["?state=flying", "?updated_after=yesterday", "?ordering=secret", "?q=%00", "?health=x"],
)
def test_bad_filters_answer_400(clients, initiative, query):
    response = clients["dri"].get(f"/api/v1/initiatives/{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]


def test_a_page_out_of_range_answers_404(clients, initiative):
    response = clients["dri"].get("/api/v1/initiatives/?page=9")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- Creating ----------------------------------------------------------------------------------

CREATE_EXPECTED = {
    "dri": 201,
    "engineer": 201,
    "em": 201,
    "pm": 201,
    "security": 201,
    "legal": 201,
    "viewer": 403,
    "outsider": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_create_by_role(clients, team, role):
    response = clients[role].post(
        "/api/v1/initiatives/",
        {"team": "PLAT", "title": "Adopt OpenTelemetry", "stakeholders": ["pm"]},
    )
    assert response.status_code == CREATE_EXPECTED[role], response.json()
    if response.status_code == 201:
        body = response.json()
        assert body["key"] == "PLAT-1" and body["stakeholders"][0]["username"] == "pm"
        assert response["Location"].endswith("/api/v1/initiatives/PLAT-1/")
    else:
        assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"team": "PLAT"}, "title"),
        ({"team": "PLAT", "title": "x", "dri": "nobody"}, "dri"),
        ({"team": "PLAT", "title": "x", "dri": "viewer"}, "dri"),
        ({"team": "PLAT", "title": "x", "stakeholders": ["outsider"]}, "stakeholders"),
        ({"team": "PLAT", "title": "x", "design_doc_url": "not a url"}, "design_doc_url"),
        ({"team": "PLAT", "title": "x", "security_risk": "extreme"}, "security_risk"),
        ({"team": "PLAT", "title": "x", "colour": "red"}, "colour"),
    ],
)
def test_create_with_bad_input_names_the_field(clients, team, body, field):
    response = clients["dri"].post("/api/v1/initiatives/", body)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_create_in_an_unknown_team_is_404(clients, team):
    response = clients["dri"].post("/api/v1/initiatives/", {"team": "NOPE", "title": "x"})
    assert response.status_code == 404


# --- Editing with optimistic concurrency -------------------------------------------------------

EDIT_EXPECTED = {
    "dri": 200,
    "em": 200,
    "pm": 200,
    "engineer": 403,
    "security": 403,
    "legal": 403,
    "viewer": 403,
    "outsider": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_patch_by_role(clients, initiative, role):
    response = clients[role].patch(url(initiative), {"title": "Renamed"})
    assert response.status_code == EDIT_EXPECTED[role]
    initiative.refresh_from_db()
    assert (initiative.title == "Renamed") == (EDIT_EXPECTED[role] == 200)
    if response.status_code == 200:
        assert response.json()["version"] == 2 and response["ETag"] == '"2"'
    else:
        assert response.json()["code"] == {403: "forbidden", 404: "not_found"}[response.status_code]


def test_patch_with_current_etag_applies(clients, initiative):
    etag = clients["dri"].get(url(initiative))["ETag"]
    response = clients["dri"].patch(url(initiative), {"summary": "Why"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["summary"] == "Why"


@pytest.mark.parametrize("if_match", ['"1"', 'W/"1"', "garbage"])
def test_patch_with_stale_if_match_is_412_and_changes_nothing(clients, initiative, if_match):
    services.initiative_update(
        initiative=initiative, actor=initiative.dri, changes={"summary": "someone else"}
    )
    response = clients["dri"].patch(url(initiative), {"title": "Mine"}, HTTP_IF_MATCH=if_match)
    assert response.status_code == 412
    assert response.json()["code"] == "stale_write"
    assert response.json()["current_version"] == 2
    initiative.refresh_from_db()
    assert initiative.title != "Mine" and initiative.version == 2


@pytest.mark.parametrize(
    "body,field",
    [
        ({"title": ""}, "title"),
        ({"dri": None}, "dri"),
        ({"target_date": "tomorrow"}, "target_date"),
        ({"state": "done"}, "state"),
        ({"number": 7}, "number"),
    ],
)
def test_patch_with_bad_input_is_400(clients, initiative, body, field):
    response = clients["dri"].patch(url(initiative), body)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_cancelled_initiative_is_read_only(clients, initiative):
    services.initiative_transition(
        initiative=initiative, actor=initiative.dri, to=State.CANCELLED, reason="Dropped"
    )
    response = clients["dri"].patch(url(initiative), {"title": "x"})
    assert response.status_code == 409 and response.json()["code"] == "read_only"


def test_there_is_no_delete(clients, initiative):
    response = clients["em"].delete(url(initiative))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- Transitions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_transition_by_role(clients, initiative, role):
    response = clients[role].post(url(initiative, "transition/"), {"to": "scoping"})
    assert response.status_code == EDIT_EXPECTED[role]
    if response.status_code == 200:
        assert response.json()["state"] == "scoping"


@pytest.mark.parametrize(
    "body,code",
    [
        ({"to": "done"}, "invalid_transition"),
        ({"to": "flying"}, "invalid"),
        ({"to": "cancelled"}, "reason_required"),
        ({}, "invalid"),
    ],
)
def test_impossible_transitions_are_400(clients, initiative, body, code):
    response = clients["dri"].post(url(initiative, "transition/"), body)
    assert response.status_code == 400
    assert response.json()["code"] == code


def _scoping(initiative):
    return services.initiative_transition(
        initiative=initiative, actor=initiative.dri, to=State.SCOPING
    )


def test_a_blocked_gate_is_409_with_the_missing_items(clients, initiative):
    _scoping(initiative)
    response = clients["dri"].post(url(initiative, "transition/"), {"to": "ready"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "gate_blocked" and body["gate"] == "ready"
    required = ChecklistItem.objects.filter(initiative=initiative, kind="ready", required=True)
    assert {m["id"] for m in body["missing"]} == set(required.values_list("pk", flat=True))
    security = next(m for m in body["missing"] if m["signoff_role"] == "security")
    assert set(security) >= {"id", "section", "text", "required", "signoff_role"}
    assert security["section"] == "High-level plan" and security["required"] is True
    initiative.refresh_from_db()
    assert initiative.state == State.SCOPING


@pytest.mark.parametrize("role,expected", [("em", 200), ("pm", 403), ("dri", 403)])
def test_only_an_em_overrides_a_gate(clients, initiative, role, expected):
    _scoping(initiative)
    response = clients[role].post(
        url(initiative, "transition/"),
        {"to": "ready", "override": True, "reason": "Pilot for a customer"},
    )
    assert response.status_code == expected
    initiative.refresh_from_db()
    assert (initiative.state == State.READY) == (expected == 200)
    if expected == 200:
        activity = clients["em"].get(url(initiative, "activity/")).json()["results"]
        assert activity[0]["verb"] == "initiative.gate_overridden"


def test_an_override_needs_a_reason(clients, initiative):
    _scoping(initiative)
    response = clients["em"].post(url(initiative, "transition/"), {"to": "ready", "override": True})
    assert response.status_code == 400 and response.json()["code"] == "reason_required"


def test_transition_with_stale_if_match_is_412(clients, initiative):
    response = clients["dri"].post(
        url(initiative, "transition/"), {"to": "scoping"}, HTTP_IF_MATCH='"7"'
    )
    assert response.status_code == 412
    initiative.refresh_from_db()
    assert initiative.state == State.DISCOVERY


# --- Checklists --------------------------------------------------------------------------------


def test_checklists_show_both_gates_and_their_items(clients, initiative):
    response = clients["viewer"].get(url(initiative, "checklists/"))
    assert response.status_code == 200
    body = response.json()
    assert body["initiative"] == initiative.key
    assert body["ready"]["met"] is False and body["done"]["met"] is False
    assert len(body["ready"]["items"]) == 18
    rfc = next(i for i in body["ready"]["items"] if i["text"].startswith("RFC"))
    assert rfc["automatic"] is True and rfc["evidence_required"] == "url"
    assert clients["outsider"].get(url(initiative, "checklists/")).status_code == 404


def _item(initiative, text_start: str) -> ChecklistItem:
    return ChecklistItem.objects.get(initiative=initiative, text__startswith=text_start)


TICK_EXPECTED = {
    "dri": 200,
    "em": 200,
    "engineer": 403,
    "pm": 403,
    "security": 403,
    "legal": 403,
    "viewer": 403,
    "outsider": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_tick_by_role(clients, initiative, role):
    item = _item(initiative, "Context behind")
    response = clients[role].patch(f"/api/v1/checklist-items/{item.pk}/", {"status": "done"})
    assert response.status_code == TICK_EXPECTED[role]
    item.refresh_from_db()
    assert (item.status == ItemStatus.DONE) == (TICK_EXPECTED[role] == 200)


def test_tick_needs_its_evidence(clients, initiative):
    item = _item(initiative, "Cost projection")
    path = f"/api/v1/checklist-items/{item.pk}/"
    response = clients["dri"].patch(path, {"status": "done"})
    assert response.status_code == 400
    assert response.json()["code"] == "evidence_required"
    assert "evidence" in response.json()["fields"]
    response = clients["dri"].patch(path, {"status": "done", "evidence": "$40k/yr"})
    assert response.status_code == 200
    assert response.json()["evidence"] == "$40k/yr" and response.json()["satisfied"] is True


def test_automatic_items_cannot_be_ticked(clients, initiative):
    item = _item(initiative, "List of stakeholders")
    response = clients["dri"].patch(f"/api/v1/checklist-items/{item.pk}/", {"status": "done"})
    assert response.status_code == 409
    assert response.json()["code"] == "precondition_unmet"


def test_waive_needs_a_reason_and_reopen_works(clients, initiative):
    item = _item(initiative, "Research on")
    path = f"/api/v1/checklist-items/{item.pk}/"
    response = clients["dri"].patch(path, {"status": "waived"})
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    response = clients["dri"].patch(path, {"status": "waived", "reason": "Obvious choice"})
    assert response.status_code == 200 and response.json()["waiver_reason"] == "Obvious choice"
    response = clients["dri"].patch(path, {"status": "open"}, HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 200 and response.json()["status"] == "open"


def test_item_patch_with_stale_if_match_is_412(clients, initiative):
    item = _item(initiative, "Context behind")
    path = f"/api/v1/checklist-items/{item.pk}/"
    assert clients["dri"].get(path)["ETag"] == '"1"'
    response = clients["dri"].patch(path, {"status": "done"}, HTTP_IF_MATCH='"0"')
    assert response.status_code == 412
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_items_of_other_teams_are_404(clients, initiative):
    item = _item(initiative, "Context behind")
    response = clients["outsider"].get(f"/api/v1/checklist-items/{item.pk}/")
    assert response.status_code == 404
