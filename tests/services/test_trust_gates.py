"""Issue 13, points 1-3: every forward move re-checks its gate, a signed risk level is a
decision, separation of duties holds over time. Each bypass of the issue is tried through the
services, the API and the web UI, refused with a reason, and writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from initiatives import services
from initiatives.models import ActivityEvent, ChecklistItem, Initiative, ItemStatus, State
from initiatives.rules.exceptions import GateBlocked, NotAllowed, ValidationFailed
from initiatives.rules.workflow import lapsed_gates
from initiatives.selectors.checklists import evaluate
from tests.audit.walk import (
    dod_security_approval,
    in_delivery,
    meet_dod_except_security,
    ready_initiative,
    risk_review,
)
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class Unchanged:
    """Asserts that a refused attempt wrote nothing: no event, same row version."""

    def __init__(self, initiative: Initiative):
        self.initiative = initiative

    def __enter__(self) -> Unchanged:
        self.events = ActivityEvent.objects.count()
        self.version = Initiative.objects.get(pk=self.initiative.pk).version
        self.items = list(
            ChecklistItem.objects.filter(initiative=self.initiative).values_list("pk", "status")
        )
        return self

    def __exit__(self, *exc) -> None:
        assert ActivityEvent.objects.count() == self.events
        assert Initiative.objects.get(pk=self.initiative.pk).version == self.version
        assert (
            list(
                ChecklistItem.objects.filter(initiative=self.initiative).values_list("pk", "status")
            )
            == self.items
        )


# --- 1. Every forward move re-checks its gate --------------------------------------------------


@pytest.fixture
def lapsed(team, people):
    """Bypass 1: ready, then security reopens the DoR's security sign-off."""
    initiative = ready_initiative(team, people)
    services.checklist_item_reopen(item=risk_review(initiative), actor=people["security"])
    initiative.refresh_from_db()
    return initiative


def test_start_delivery_is_refused_while_a_dor_item_is_reopened(lapsed, people):
    with Unchanged(lapsed), pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=lapsed, to=State.IN_DELIVERY, actor=people["em"])
    assert refused.value.gate == "ready"
    assert [m["id"] for m in refused.value.missing] == [risk_review(lapsed).pk]


def test_start_delivery_refusal_through_the_api_lists_the_missing_item(lapsed, people):
    with Unchanged(lapsed):
        response = api(people["dri"]).post(
            f"/api/v1/initiatives/{lapsed.key}/transition/", {"to": "in_delivery"}, format="json"
        )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "gate_blocked" and body["gate"] == "ready"
    assert [m["id"] for m in body["missing"]] == [risk_review(lapsed).pk]


def test_start_delivery_refusal_on_the_page_names_the_missing_item(lapsed, people):
    client = web(people["dri"])
    with Unchanged(lapsed):
        response = client.post(
            f"/i/{lapsed.key}/move/", {"to": "in_delivery", "reason": ""}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 409  # htmx: swapped in place
    assert risk_review(lapsed).text in response.content.decode()
    with Unchanged(lapsed):  # without JavaScript: back at the page's moves
        response = client.post(
            f"/i/{lapsed.key}/move/", {"to": "in_delivery", "reason": ""}, follow=True
        )
    assert response.redirect_chain == [(f"{lapsed.get_absolute_url()}#moves", 303)]
    assert risk_review(lapsed).text in response.content.decode()


def test_only_an_em_with_a_reason_overrides_a_lapsed_dor(lapsed, people):
    with Unchanged(lapsed), pytest.raises(NotAllowed):
        services.initiative_transition(
            initiative=lapsed, to=State.IN_DELIVERY, actor=people["dri"], override=True,
            reason="Ship it",
        )  # fmt: skip
    with Unchanged(lapsed), pytest.raises(ValidationFailed):
        services.initiative_transition(
            initiative=lapsed, to=State.IN_DELIVERY, actor=people["em"], override=True
        )
    moved = services.initiative_transition(
        initiative=lapsed, to=State.IN_DELIVERY, actor=people["em"], override=True,
        reason="Security reviews it this week",
    )  # fmt: skip
    assert moved.state == State.IN_DELIVERY
    event = ActivityEvent.objects.filter(initiative=lapsed).latest("pk")
    assert event.verb == "initiative.gate_overridden"
    assert event.after["gate"] == "ready"
    assert event.after["overridden_items"] == [risk_review(lapsed).pk]


def test_resuming_a_paused_initiative_re_checks_the_dor(team, people):
    for where in (State.READY, State.IN_DELIVERY):
        initiative = ready_initiative(team, people)
        if where == State.IN_DELIVERY:
            services.initiative_transition(
                initiative=initiative, to=State.IN_DELIVERY, actor=people["dri"]
            )
        services.initiative_transition(initiative=initiative, to=State.PAUSED, actor=people["dri"])
        services.checklist_item_reopen(item=risk_review(initiative), actor=people["security"])
        with Unchanged(initiative), pytest.raises(GateBlocked) as refused:
            services.initiative_transition(initiative=initiative, to=where, actor=people["dri"])
        assert refused.value.gate == "ready"


def test_an_override_answers_only_for_the_items_it_listed(team, people):
    """Overriding the DoR at scoping -> ready covers the same missing items when delivery
    starts; an item decided and reopened after the override is a new fact."""
    initiative = make_initiative(team, people["dri"], security_risk="low")
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
    services.initiative_transition(
        initiative=initiative, to=State.READY, actor=people["em"], override=True,
        reason="Pilot agreed with the VP",
    )  # fmt: skip
    services.initiative_transition(initiative=initiative, to=State.IN_DELIVERY, actor=people["dri"])
    event = ActivityEvent.objects.filter(initiative=initiative).latest("pk")
    assert event.verb == "initiative.transitioned" and event.after["covered_by_override"]

    other = make_initiative(team, people["dri"], security_risk="low")
    services.initiative_transition(initiative=other, to=State.SCOPING, actor=people["dri"])
    services.initiative_transition(
        initiative=other, to=State.READY, actor=people["em"], override=True, reason="Pilot"
    )
    review = risk_review(other)
    services.checklist_item_tick(item=review, actor=people["security"])
    services.checklist_item_reopen(item=review, actor=people["security"])
    with Unchanged(other), pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=other, to=State.IN_DELIVERY, actor=people["dri"])
    assert [m["id"] for m in refused.value.missing] == [review.pk]


def test_a_reopened_item_flags_the_gate_as_no_longer_met_everywhere(lapsed, people, team):
    assert lapsed_gates(lapsed) == ["ready"]
    dri = web(people["dri"])
    flag = "DoR no longer met"
    assert flag in dri.get(f"/i/{lapsed.key}/").content.decode()
    assert flag in dri.get(f"/teams/{team.key}/").content.decode()
    assert flag in dri.get("/").content.decode()
    services.checklist_item_tick(item=risk_review(lapsed), actor=people["security"])
    lapsed.refresh_from_db()
    assert lapsed_gates(lapsed) == []
    assert flag not in dri.get(f"/i/{lapsed.key}/").content.decode()
    assert flag not in dri.get(f"/teams/{team.key}/").content.decode()


def test_the_digest_row_carries_the_flag(lapsed):
    from initiatives.selectors.initiatives import list_initiatives
    from initiatives.weekly.digest import DigestRow

    row = list_initiatives(Initiative.objects.filter(pk=lapsed.pk))[0]
    fields = {name: None for name in DigestRow.__dataclass_fields__}
    digest_row = DigestRow(**{**fields, "initiative": row})
    assert digest_row.lapsed == ("DoR no longer met",)


# --- 2. Risk is a signed decision --------------------------------------------------------------


@pytest.fixture
def closing(team, people):
    """Bypass 2: high risk in delivery, the DoD met except the security approval."""
    initiative = in_delivery(team, people, risk="high")
    meet_dod_except_security(initiative, people)
    services.task_create(initiative=initiative, actor=people["dri"], title="Only task")
    task = initiative.tasks.get()
    services.task_update(task=task, actor=people["dri"], changes={"state": "done"})
    initiative.refresh_from_db()
    return initiative


def done_missing(initiative) -> list[int]:
    return [m["id"] for m in evaluate(initiative, "done").missing]


def test_the_dri_cannot_lower_a_signed_risk(closing, people):
    assert done_missing(closing) == [dod_security_approval(closing).pk]
    with Unchanged(closing), pytest.raises(NotAllowed, match="security member or an engineering"):
        services.initiative_update(
            initiative=closing, actor=people["dri"], changes={"security_risk": "low"},
            reason="It is fine",
        )  # fmt: skip
    with Unchanged(closing):
        response = api(people["dri"]).patch(
            f"/api/v1/initiatives/{closing.key}/", {"security_risk": "low"}, format="json"
        )
    assert response.status_code == 403 and "security member" in response.json()["detail"]
    with Unchanged(closing):
        page = web(people["dri"]).post(
            f"/i/{closing.key}/edit/",
            {"title": closing.title, "dri": people["dri"].pk, "security_risk": "low",
             "reason": "It is fine"},
        )  # fmt: skip
    assert page.status_code == 403 and "security member" in page.content.decode()
    with Unchanged(closing), pytest.raises(GateBlocked):
        services.initiative_transition(initiative=closing, to=State.DONE, actor=people["dri"])


def test_lowering_a_signed_risk_needs_a_reason(closing, people):
    with Unchanged(closing), pytest.raises(ValidationFailed) as refused:
        services.initiative_update(
            initiative=closing, actor=people["em"], changes={"security_risk": "low"}
        )
    assert refused.value.code == "reason_required"
    response = api(people["security"]).patch(
        f"/api/v1/initiatives/{closing.key}/", {"security_risk": "low"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "reason_required"


def test_lowering_reopens_the_review_and_the_dod_follows_only_after_security_signs(closing, people):
    response = api(people["security"]).patch(
        f"/api/v1/initiatives/{closing.key}/",
        {"security_risk": "low", "reason": "Internal-only after the redesign"},
        format="json",
    )
    assert response.status_code == 200, response.content
    event = ActivityEvent.objects.filter(initiative=closing).latest("pk")
    assert event.verb == "initiative.risk_changed"
    assert event.after["reason"] == "Internal-only after the redesign"
    assert event.after["reopened_items"] == [risk_review(closing).pk]
    closing.refresh_from_db()
    assert risk_review(closing).status == ItemStatus.OPEN
    assert lapsed_gates(closing) == ["ready"]
    # Still high as far as the DoD goes: security signed high, nobody has signed low.
    assert done_missing(closing) == [dod_security_approval(closing).pk]
    with pytest.raises(GateBlocked):
        services.initiative_transition(initiative=closing, to=State.DONE, actor=people["dri"])
    services.checklist_item_tick(item=risk_review(closing), actor=people["security"])
    closing.refresh_from_db()
    assert closing.security_risk_signed == "low"
    assert done_missing(closing) == []
    services.initiative_transition(initiative=closing, to=State.DONE, actor=people["dri"])


def test_raising_a_signed_risk_reopens_the_review_and_applies_at_once(team, people):
    initiative = in_delivery(team, people, risk="low")
    services.initiative_update(
        initiative=initiative, actor=people["dri"], changes={"security_risk": "high"}
    )
    initiative.refresh_from_db()
    assert risk_review(initiative).status == ItemStatus.OPEN
    assert dod_security_approval(initiative).pk in done_missing(initiative)


def test_before_the_review_is_signed_the_dri_sets_the_risk_freely(initiative, people):
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
    for level in ("high", "low", ""):
        services.initiative_update(
            initiative=initiative, actor=people["dri"], changes={"security_risk": level}
        )
    verbs = set(ActivityEvent.objects.filter(initiative=initiative).values_list("verb", flat=True))
    assert "initiative.risk_changed" not in verbs


def test_only_risk_may_be_changed_by_a_security_member(closing, people):
    with Unchanged(closing), pytest.raises(NotAllowed):
        services.initiative_update(
            initiative=closing, actor=people["security"], changes={"title": "Mine now"}
        )


def test_the_dashboard_lists_risk_changes_after_sign_off(closing, people, team):
    from initiatives.dashboard.summary import summary_for_teams

    services.initiative_update(
        initiative=closing, actor=people["em"], changes={"security_risk": "medium"},
        reason="Scope cut",
    )  # fmt: skip
    decisions = summary_for_teams([team])["now"]["overrides_and_waivers"]
    risk = [d for d in decisions if d["kind"] == "risk change"]
    assert len(risk) == 1 and risk[0]["reason"] == "Scope cut"
    assert risk[0]["initiative"] == closing.key


# --- 3. Separation of duties over time ----------------------------------------------------------


def test_a_former_dri_cannot_sign_off_the_security_review(team, people):
    """Bypass 3: the DRI holds the security role, hands the DRI role over, signs off, and
    takes it back."""
    owner, colleague = people["security"], people["dri"]
    initiative = make_initiative(team, owner, security_risk="high")
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=owner)
    services.initiative_update(initiative=initiative, actor=owner, changes={"dri": colleague})
    initiative.refresh_from_db()
    review = risk_review(initiative)
    with Unchanged(initiative), pytest.raises(NotAllowed, match="former DRI"):
        services.checklist_item_tick(item=review, actor=owner)
    with Unchanged(initiative):
        response = api(owner).patch(
            f"/api/v1/checklist-items/{review.pk}/", {"status": "done"}, format="json"
        )
    assert response.status_code == 403 and "former DRI" in response.json()["detail"]
    with Unchanged(initiative):
        page = web(owner).post(f"/checklist-items/{review.pk}/tick/", {})
    assert page.status_code == 403 and "former DRI" in page.content.decode()
    assert initiative.dri_history == [owner.pk, colleague.pk]


def test_a_new_dri_who_signed_a_review_has_that_sign_off_reopened(team, people):
    initiative = ready_initiative(team, people)
    review = risk_review(initiative)
    assert review.decided_by == people["security"]
    services.initiative_update(
        initiative=initiative, actor=people["em"], changes={"dri": people["security"]}
    )
    review.refresh_from_db()
    assert review.status == ItemStatus.OPEN
    assert "became the DRI" in review.note
    event = ActivityEvent.objects.filter(initiative=initiative).latest("pk")
    assert event.after["reopened_items"] == [review.pk]
    assert "is now the DRI" in event.summary
    initiative.refresh_from_db()
    assert lapsed_gates(initiative) == ["ready"]


def test_my_work_offers_no_sign_off_to_a_former_dri(team, people):
    owner = people["security"]
    initiative = make_initiative(team, owner, security_risk="high")
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=owner)
    other = make_initiative(team, people["dri"], security_risk="high", title="Someone else's")
    services.initiative_transition(initiative=other, to=State.SCOPING, actor=people["dri"])
    services.initiative_update(initiative=initiative, actor=owner, changes={"dri": people["dri"]})
    page = web(owner).get("/?section=signoffs").content.decode()
    assert other.key in page and initiative.key not in page


def test_done_re_checks_the_dor_too(closing, people):
    """Security signed the DoD approval; the DoR's risk review is reopened afterwards: the
    DoD alone no longer lets the initiative finish."""
    services.checklist_item_tick(item=dod_security_approval(closing), actor=people["security"])
    services.checklist_item_reopen(item=risk_review(closing), actor=people["security"])
    closing.refresh_from_db()
    assert done_missing(closing) == []
    with Unchanged(closing), pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=closing, to=State.DONE, actor=people["dri"])
    assert refused.value.gate == "ready"
    assert [m["id"] for m in refused.value.missing] == [risk_review(closing).pk]
