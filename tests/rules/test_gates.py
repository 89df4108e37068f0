"""The DoR and DoD gates: exactly which items are missing, evidence, sign-offs, waivers,
overrides, automatic rules and risk-scaled security approval."""

import pytest

from initiatives import services
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    ChecklistKind,
    Initiative,
    ItemStatus,
    Role,
    State,
    TemplateItem,
)
from initiatives.rules.exceptions import (
    Conflict,
    GateBlocked,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from initiatives.selectors.checklists import evaluate
from initiatives.services.templates import (
    template_copy_default,
    template_item_add,
    template_item_update,
)
from tests.factories import make_initiative, make_milestone, member

DOR_REQUIRED = 18  # every item of the built-in DoR is required


def item(initiative, text, kind=ChecklistKind.READY):
    return ChecklistItem.objects.get(initiative=initiative, kind=kind, text=text)


def in_state(initiative, state):
    Initiative.objects.filter(pk=initiative.pk).update(state=state)
    initiative.refresh_from_db()
    return initiative


def satisfy_all_manual(initiative, people, kind, *, except_texts=()):
    """Tick every manual item of ``kind`` as the person allowed to, except ``except_texts``."""
    signers = {
        "security": people["security"],
        "legal": people["legal"],
        "em": people["em"],
        "stakeholder": people["pm"],
    }
    for it in ChecklistItem.objects.filter(initiative=initiative, kind=kind):
        if it.is_automatic or it.text in except_texts:
            continue
        actor = signers[it.signoff_role] if it.signoff_role else people["dri"]
        evidence = {"url": "https://docs.example.com/x", "text": "done"}.get(it.evidence, "")
        services.checklist_item_tick(item=it, actor=actor, evidence=evidence)


def satisfy_automatic_ready(initiative, people):
    services.initiative_update(
        initiative=initiative,
        actor=people["dri"],
        changes={"design_doc_url": "https://docs.example.com/rfc", "security_risk": "low"},
    )
    services.initiative_person_add(
        initiative=initiative, actor=people["dri"], user=people["pm"], kind="stakeholder"
    )
    make_milestone(initiative, people["dri"])


def test_new_initiative_snapshot_has_the_builtin_checklists(initiative):
    ready = ChecklistItem.objects.filter(initiative=initiative, kind="ready")
    done = ChecklistItem.objects.filter(initiative=initiative, kind="done")
    assert ready.count() == 18 and done.count() == 19
    assert list(
        ready.values_list("section", flat=True).distinct().order_by("section_position")
    ) == [
        "Context and objectives",
        "High-level plan",
        "Estimates",
    ]
    security = done.get(text="Security approval")
    assert security.signoff_role == "security" and security.risk_scaled


def test_scoping_to_ready_with_items_missing_is_refused_naming_exactly_them(initiative, people):
    in_state(initiative, State.SCOPING)
    satisfy_automatic_ready(initiative, people)
    satisfy_all_manual(
        initiative, people, "ready", except_texts=("Cost projection", "Business impact")
    )
    with pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=initiative, to=State.READY, actor=people["dri"])
    missing = {(m["section"], m["text"]) for m in refused.value.missing}
    assert missing == {
        ("Estimates", "Cost projection"),
        ("Context and objectives", "Business impact"),
    }
    assert refused.value.gate == "ready"
    assert Initiative.objects.get(pk=initiative.pk).state == State.SCOPING
    assert not ActivityEvent.objects.filter(verb="initiative.transitioned").exists()


def test_fresh_initiative_misses_every_required_dor_item_with_reasons(initiative, people):
    in_state(initiative, State.SCOPING)
    with pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=initiative, to=State.READY, actor=people["dri"])
    missing = refused.value.missing
    assert len(missing) == DOR_REQUIRED
    why = {m["text"]: m["why"] for m in missing}
    assert why["List of stakeholders"] == "No stakeholder is listed on the initiative."
    assert why["Cost projection"] == "Not ticked yet (note required)."
    assert (
        why["Security risk level assessed, with security approval if required"]
        == "Needs sign-off by security."
    )


def test_gate_opens_once_every_item_is_done_or_waived(initiative, people):
    in_state(initiative, State.SCOPING)
    satisfy_automatic_ready(initiative, people)
    satisfy_all_manual(initiative, people, "ready", except_texts=("MVP definition",))
    services.checklist_item_waive(
        item=item(initiative, "MVP definition"), actor=people["dri"], reason="Migration, no MVP."
    )
    moved = services.initiative_transition(
        initiative=initiative, to=State.READY, actor=people["dri"]
    )
    assert moved.state == State.READY


@pytest.mark.parametrize(
    ("text", "evidence", "code"),
    [
        ("RFC or written document explaining the above", "", "precondition_unmet"),
        ("Cost projection", "", "evidence_required"),
        ("Cost projection", "   ", "evidence_required"),
    ],
)
def test_items_needing_evidence_are_refused_without_it(initiative, people, text, evidence, code):
    with pytest.raises((ValidationFailed, Conflict)) as refused:
        services.checklist_item_tick(
            item=item(initiative, text), actor=people["dri"], evidence=evidence
        )
    assert refused.value.code == code
    assert item(initiative, text).status == ItemStatus.OPEN


@pytest.mark.parametrize("evidence", ["", "not a url", "javascript:alert(1)", "ftp://x.example"])
def test_url_evidence_must_be_an_http_link(initiative, people, evidence):
    target = item(initiative, "User-facing documentation", kind="done")
    with pytest.raises(ValidationFailed) as refused:
        services.checklist_item_tick(item=target, actor=people["dri"], evidence=evidence)
    assert "evidence" in refused.value.fields
    target.refresh_from_db()
    assert target.status == ItemStatus.OPEN


def test_evidence_is_stored_with_who_and_when(initiative, people):
    ticked = services.checklist_item_tick(
        item=item(initiative, "User-facing documentation", kind="done"),
        actor=people["dri"],
        evidence="https://docs.example.com/guide",
        note="Reviewed by docs team",
    )
    assert ticked.status == ItemStatus.DONE
    assert ticked.evidence_value == "https://docs.example.com/guide"
    assert ticked.decided_by == people["dri"] and ticked.decided_at is not None


def test_dri_cannot_sign_off_security_review(initiative, people):
    services.initiative_update(
        initiative=initiative, actor=people["dri"], changes={"security_risk": "high"}
    )
    review = item(initiative, "Security risk level assessed, with security approval if required")
    with pytest.raises(NotAllowed):
        services.checklist_item_tick(item=review, actor=people["dri"])
    assert item(initiative, review.text).status == ItemStatus.OPEN


def test_dri_holding_the_security_role_still_cannot_sign_off_their_own(team, people):
    security_dri = member(team, Role.SECURITY, "secdri")
    own = make_initiative(team, security_dri, security_risk="medium")
    with pytest.raises(NotAllowed, match="DRI cannot sign off"):
        services.checklist_item_tick(
            item=item(own, "Security approval", "done"), actor=security_dri
        )


@pytest.mark.parametrize(
    ("text", "allowed", "refused"),
    [
        ("Security approval", "security", ["dri", "engineer", "em", "pm", "legal", "viewer"]),
        ("Legal and compliance approval", "legal", ["dri", "engineer", "em", "security", "viewer"]),
        ("Stakeholder sign-off", "pm", ["dri", "engineer", "em", "security", "legal", "viewer"]),
    ],
)
def test_signoff_only_by_the_role_holder(initiative, people, text, allowed, refused):
    services.initiative_person_add(
        initiative=initiative, actor=people["dri"], user=people["pm"], kind="stakeholder"
    )
    target = item(initiative, text, "done")
    for name in refused:
        with pytest.raises(NotAllowed):
            services.checklist_item_tick(item=target, actor=people[name])
    with pytest.raises(NotFound):
        services.checklist_item_tick(item=target, actor=people["outsider"])
    assert item(initiative, text, "done").status == ItemStatus.OPEN
    services.checklist_item_tick(item=target, actor=people[allowed])
    assert item(initiative, text, "done").status == ItemStatus.DONE
    assert ActivityEvent.objects.get(verb="checklist_item.signed_off").actor == people[allowed]


def test_security_review_needs_the_risk_level_set_first(initiative, people):
    review = item(initiative, "Security risk level assessed, with security approval if required")
    with pytest.raises(Conflict, match="security risk level is not set"):
        services.checklist_item_tick(item=review, actor=people["security"])
    services.initiative_update(
        initiative=initiative, actor=people["dri"], changes={"security_risk": "medium"}
    )
    services.checklist_item_tick(item=review, actor=people["security"])
    assert item(initiative, review.text).status == ItemStatus.DONE


@pytest.mark.parametrize("name", ["engineer", "pm", "viewer", "security"])
def test_ordinary_items_are_ticked_only_by_dri_or_em(initiative, people, name):
    with pytest.raises(NotAllowed):
        services.checklist_item_tick(item=item(initiative, "MVP definition"), actor=people[name])
    services.checklist_item_tick(item=item(initiative, "MVP definition"), actor=people["em"])


def test_automatic_items_cannot_be_ticked(initiative, people):
    with pytest.raises(Conflict, match="automatically"):
        services.checklist_item_tick(
            item=item(initiative, "List of stakeholders"), actor=people["dri"]
        )


def test_dri_waives_ordinary_items_with_a_reason_recorded(initiative, people):
    target = item(initiative, "Rollout plan")
    with pytest.raises(ValidationFailed) as refused:
        services.checklist_item_waive(item=target, actor=people["dri"], reason="  ")
    assert refused.value.code == "reason_required"
    services.checklist_item_waive(item=target, actor=people["dri"], reason="Internal tool only.")
    waived = item(initiative, "Rollout plan")
    assert waived.status == ItemStatus.WAIVED and waived.waiver_reason == "Internal tool only."
    event = ActivityEvent.objects.get(verb="checklist_item.waived")
    assert event.actor == people["dri"] and event.after["reason"] == "Internal tool only."


@pytest.mark.parametrize("name", ["engineer", "pm", "viewer"])
def test_others_cannot_waive_ordinary_items(initiative, people, name):
    with pytest.raises(NotAllowed):
        services.checklist_item_waive(
            item=item(initiative, "Rollout plan"), actor=people[name], reason="x"
        )


def test_only_an_em_waives_a_signoff_item(initiative, people):
    target = item(initiative, "Legal and compliance approval", "done")
    for name in ("dri", "legal", "security", "pm"):
        with pytest.raises(NotAllowed, match="engineering manager"):
            services.checklist_item_waive(item=target, actor=people[name], reason="n/a")
    services.checklist_item_waive(item=target, actor=people["em"], reason="No user data involved.")
    assert ActivityEvent.objects.get(verb="checklist_item.waived").actor == people["em"]


def test_reopen_puts_an_item_back_and_closes_the_gate(initiative, people):
    in_state(initiative, State.SCOPING)
    target = item(initiative, "MVP definition")
    services.checklist_item_tick(item=target, actor=people["dri"])
    services.checklist_item_reopen(item=target, actor=people["dri"])
    assert item(initiative, "MVP definition").status == ItemStatus.OPEN
    assert "MVP definition" in {m["text"] for m in evaluate(initiative, "ready").missing}
    with pytest.raises(Conflict):
        services.checklist_item_reopen(item=target, actor=people["dri"])


def test_em_override_needs_a_reason_and_is_recorded(initiative, people):
    in_state(initiative, State.SCOPING)
    with pytest.raises(NotAllowed, match="override"):
        services.initiative_transition(
            initiative=initiative, to=State.READY, actor=people["dri"], override=True, reason="x"
        )
    with pytest.raises(ValidationFailed):
        services.initiative_transition(
            initiative=initiative, to=State.READY, actor=people["em"], override=True, reason=""
        )
    assert Initiative.objects.get(pk=initiative.pk).state == State.SCOPING
    moved = services.initiative_transition(
        initiative=initiative,
        to=State.READY,
        actor=people["em"],
        override=True,
        reason="Pilot approved by the director.",
    )
    assert moved.state == State.READY
    event = ActivityEvent.objects.get(verb="initiative.gate_overridden")
    assert event.actor == people["em"]
    assert event.after["reason"] == "Pilot approved by the director."
    assert len(event.after["overridden_items"]) == DOR_REQUIRED


def test_automatic_rules_flip_when_the_data_changes(initiative, people):
    def missing():
        return {m["text"] for m in evaluate(initiative, "ready").missing}

    assert {"List of stakeholders", "RFC or written document explaining the above"} <= missing()
    assert "Milestones and plan for the work" in missing()
    services.initiative_person_add(
        initiative=initiative, actor=people["dri"], user=people["pm"], kind="stakeholder"
    )
    assert "List of stakeholders" not in missing()
    services.initiative_person_remove(
        initiative=initiative, actor=people["dri"], user=people["pm"], kind="stakeholder"
    )
    assert "List of stakeholders" in missing()
    services.initiative_update(
        initiative=initiative,
        actor=people["dri"],
        changes={"design_doc_url": "https://docs.example.com/rfc"},
    )
    assert "RFC or written document explaining the above" not in missing()
    make_milestone(initiative, people["dri"])
    assert "Milestones and plan for the work" not in missing()


def test_no_more_work_required_follows_open_tasks(initiative, people):
    def dod_missing():
        return {m["text"] for m in evaluate(initiative, "done").missing}

    assert "No more work required" in dod_missing()  # no task at all is no evidence
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Spike")
    assert "No more work required" in dod_missing()
    services.task_update(task=task, actor=people["dri"], changes={"state": "wont_do"})
    assert "No more work required" not in dod_missing()


@pytest.mark.parametrize(("risk", "required"), [("high", True), ("medium", True), ("low", False)])
def test_dod_security_approval_scales_with_risk(team, people, risk, required):
    initiative = make_initiative(team, people["dri"], security_risk=risk)
    missing = {m["text"] for m in evaluate(initiative, "done").missing}
    assert ("Security approval" in missing) is required


def test_checklist_does_not_change_when_the_template_is_edited_later(team, people, initiative):
    em = people["em"]
    template = template_copy_default(team=team, kind="ready", actor=em)
    section = template.sections.get(title="Estimates")
    template_item_add(
        section=section, actor=em, fields={"text": "Budget owner named", "position": 9}
    )
    template_item_update(
        item=TemplateItem.objects.get(section=section, text="Cost projection"),
        actor=em,
        changes={"text": "Cost projection (3 years)"},
    )
    template.refresh_from_db()
    assert template.version == 3  # one version per edit
    texts = set(ChecklistItem.objects.filter(initiative=initiative).values_list("text", flat=True))
    assert "Budget owner named" not in texts and "Cost projection" in texts
    later = make_initiative(team, people["dri"], title="Later")
    later_texts = set(ChecklistItem.objects.filter(initiative=later).values_list("text", flat=True))
    assert {"Budget owner named", "Cost projection (3 years)"} <= later_texts
    assert (
        ChecklistItem.objects.filter(initiative=later, kind="ready").first().template_version == 3
    )


def test_cancelled_initiative_checklist_is_read_only(initiative, people):
    services.initiative_transition(
        initiative=initiative, to=State.CANCELLED, actor=people["dri"], reason="Deprioritised"
    )
    with pytest.raises(Conflict):
        services.checklist_item_tick(item=item(initiative, "MVP definition"), actor=people["dri"])
