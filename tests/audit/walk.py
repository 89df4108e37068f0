"""Initiatives walked through their gates the honest way, for the trust tests: each DoR item
waived by the EM or signed by security, never overridden."""

from __future__ import annotations

from initiatives import services
from initiatives.models import ChecklistItem, Initiative, ItemStatus, SignoffRole, State
from tests.factories import make_initiative


def risk_review(initiative: Initiative) -> ChecklistItem:
    """The DoR's security sign-off (the review of the risk level)."""
    return ChecklistItem.objects.get(
        initiative=initiative, kind="ready", signoff_role=SignoffRole.SECURITY
    )


def dod_security_approval(initiative: Initiative) -> ChecklistItem:
    return ChecklistItem.objects.get(
        initiative=initiative, kind="done", signoff_role=SignoffRole.SECURITY
    )


def meet_dor(initiative: Initiative, people: dict) -> None:
    for item in ChecklistItem.objects.filter(initiative=initiative, kind="ready"):
        if item.status != ItemStatus.OPEN:
            continue
        if item.signoff_role == SignoffRole.SECURITY:
            services.checklist_item_tick(item=item, actor=people["security"])
        else:
            services.checklist_item_waive(item=item, actor=people["em"], reason="Not for a test")


def ready_initiative(team, people, *, risk: str = "high", dri=None) -> Initiative:
    """An initiative that met its DoR and moved to ready with no override."""
    dri = dri or people["dri"]
    initiative = make_initiative(team, dri, security_risk=risk)
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=dri)
    meet_dor(initiative, people)
    services.initiative_transition(initiative=initiative, to=State.READY, actor=dri)
    initiative.refresh_from_db()
    return initiative


def in_delivery(team, people, *, risk: str = "high") -> Initiative:
    initiative = ready_initiative(team, people, risk=risk)
    services.initiative_transition(initiative=initiative, to=State.IN_DELIVERY, actor=people["dri"])
    initiative.refresh_from_db()
    return initiative


def meet_dod_except_security(initiative: Initiative, people: dict) -> None:
    """Every DoD item satisfied except the security approval: the EM waives them."""
    for item in ChecklistItem.objects.filter(initiative=initiative, kind="done"):
        if item.signoff_role == SignoffRole.SECURITY or item.status != ItemStatus.OPEN:
            continue
        services.checklist_item_waive(item=item, actor=people["em"], reason="Not for a test")
