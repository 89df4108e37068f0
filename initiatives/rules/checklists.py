"""The checklist rules: automatic checks, risk-scaled requirements and gate evaluation.

Pure: evaluation takes the items and a few facts about the initiative (``Facts``) and says
which required items are missing and why. ``selectors.checklists`` reads the facts and items;
``services.checklists`` stores gate progress and takes snapshots of templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from initiatives.models import (
    ChecklistItem,
    ChecklistKind,
    Evidence,
    Initiative,
    ItemStatus,
    Milestone,
    MilestoneState,
    Rule,
    SecurityRisk,
    SignoffRole,
)


@dataclass(frozen=True)
class Facts:
    """What the automatic rules look at."""

    stakeholders: int
    design_doc_url: str
    milestones: int  # not cancelled
    open_tasks: int
    security_risk: str
    tasks: int = 0  # every task, closed or not: "no more work required" needs at least one
    # The level security last signed (``Initiative.security_risk_signed``).
    security_risk_signed: str = ""

    @property
    def scaling_risk(self) -> str:
        """The level risk-scaled items follow: the stricter of the current level and the one
        security signed, so lowering the risk relaxes nothing until security signs again."""
        return stricter_risk(self.security_risk, self.security_risk_signed)


# Security risk levels, lowest first ("" -- not assessed -- below them all).
RISK_RANK = {"": 0, SecurityRisk.LOW: 1, SecurityRisk.MEDIUM: 2, SecurityRisk.HIGH: 3}


def is_lowering(old: str, new: str) -> bool:
    return RISK_RANK.get(new or "", 0) < RISK_RANK.get(old or "", 0)


def stricter_risk(*levels: str) -> str:
    """The highest of ``levels``."""
    return max(levels, key=lambda level: RISK_RANK.get(level or "", 0))


RULES: dict[str, Callable[[Facts], bool]] = {
    Rule.STAKEHOLDERS_LISTED: lambda f: f.stakeholders > 0,
    Rule.DESIGN_DOC_LINKED: lambda f: bool(f.design_doc_url),
    # Every milestone has a delivery date by construction (the field is required).
    Rule.MILESTONES_PLANNED: lambda f: f.milestones > 0,
    # Zero tasks is no evidence that the work is done: it needs at least one, all closed.
    Rule.ALL_TASKS_CLOSED: lambda f: f.tasks > 0 and f.open_tasks == 0,
    Rule.SECURITY_RISK_SET: lambda f: bool(f.security_risk),
}

RULE_UNMET: dict[str, str] = {
    Rule.STAKEHOLDERS_LISTED: "No stakeholder is listed on the initiative.",
    Rule.DESIGN_DOC_LINKED: "No design document is linked.",
    Rule.MILESTONES_PLANNED: "No milestone with a delivery date is planned.",
    Rule.ALL_TASKS_CLOSED: "Some tasks are still open, or no task was ever added.",
    Rule.SECURITY_RISK_SET: "The security risk level is not set.",
}


def facts_from_loaded(
    initiative: Initiative,
    *,
    stakeholders: int,
    milestones: Iterable[Milestone],
    open_tasks: int,
    tasks: int,
) -> Facts:
    """The facts of an initiative whose stakeholders, milestones and task counts are already
    loaded (its page): the same counts as ``fact_annotations`` (milestones not cancelled),
    with no query."""
    return Facts(
        stakeholders=stakeholders,
        design_doc_url=initiative.design_doc_url,
        milestones=sum(1 for m in milestones if m.state != MilestoneState.CANCELLED),
        open_tasks=open_tasks,
        security_risk=initiative.security_risk,
        tasks=tasks,
        security_risk_signed=initiative.security_risk_signed,
    )


@dataclass(slots=True)
class ItemRow:
    """The columns of a checklist item that gate evaluation reads. Lists of initiatives load
    these plain rows instead of model instances: a tenth of the cost per item."""

    pk: int
    initiative_id: int
    kind: str
    section: str
    text: str
    required: bool
    risk_scaled: bool
    signoff_role: str
    evidence: str
    rule: str
    status: str

    FIELDS = (
        "id", "initiative_id", "kind", "section", "text", "required", "risk_scaled",
        "signoff_role", "evidence", "rule", "status",
    )  # fmt: skip

    @property
    def is_automatic(self) -> bool:
        return bool(self.rule) and not self.signoff_role

    def get_evidence_display(self) -> str:
        return Evidence(self.evidence).label


class GateItem(Protocol):
    """What gate evaluation reads of an item: a ``ChecklistItem`` or a plain ``ItemRow``."""

    @property
    def pk(self) -> Any: ...
    @property
    def kind(self) -> str: ...
    @property
    def section(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def risk_scaled(self) -> bool: ...
    @property
    def signoff_role(self) -> str: ...
    @property
    def evidence(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def is_automatic(self) -> bool: ...
    def get_evidence_display(self) -> str: ...


def is_required(item: GateItem, security_risk: str) -> bool:
    """Risk-scaled items (the DoD security approval) are optional for low risk only."""
    if not item.required:
        return False
    if item.risk_scaled:
        return security_risk != SecurityRisk.LOW
    return True


def rule_met(item: GateItem, facts: Facts) -> bool:
    return RULES[item.rule](facts) if item.rule else True


def is_satisfied(item: GateItem, facts: Facts) -> bool:
    if item.status == ItemStatus.WAIVED:
        return True
    if item.is_automatic:
        return rule_met(item, facts)
    return item.status == ItemStatus.DONE


def why_missing(item: GateItem, facts: Facts) -> str:
    if item.is_automatic:
        return RULE_UNMET.get(item.rule, "The automatic check is not met.")
    if item.signoff_role:
        return f"Needs sign-off by {SignoffRole(item.signoff_role).label.lower()}."
    if item.evidence:
        return f"Not ticked yet ({item.get_evidence_display().lower()} required)."
    return "Not ticked yet."


def percent_of(satisfied: int, total: int) -> int:
    """Progress of a gate; a gate with nothing required is complete."""
    return round(100 * satisfied / total) if total else 100


@dataclass
class GateResult:
    kind: str
    met: bool
    missing: list[dict[str, Any]] = field(default_factory=list)
    required_total: int = 0
    required_satisfied: int = 0
    total: int = 0
    satisfied: int = 0

    @property
    def percent(self) -> int:
        return percent_of(self.required_satisfied, self.required_total)


@dataclass(frozen=True, slots=True)
class GateProgress:
    """A gate's stored roll-up (``Initiative.dor_*`` / ``dod_*``): what lists show. It has no
    ``missing`` items; evaluate the gate for those."""

    kind: str
    required_total: int
    required_satisfied: int

    @property
    def met(self) -> bool:
        return self.required_satisfied >= self.required_total

    @property
    def percent(self) -> int:
        return percent_of(self.required_satisfied, self.required_total)


def missing_entry(item: GateItem, facts: Facts) -> dict[str, Any]:
    return {
        "id": item.pk,
        "section": item.section,
        "text": item.text,
        "required": True,
        "signoff_role": item.signoff_role or None,
        "why": why_missing(item, facts),
    }


def evaluate_gate(kind: str, items: Iterable[GateItem], facts: Facts) -> GateResult:
    result = GateResult(kind=kind, met=True)
    for item in items:
        if item.kind != kind:
            continue
        satisfied = is_satisfied(item, facts)
        result.total += 1
        result.satisfied += satisfied
        if is_required(item, facts.scaling_risk):
            result.required_total += 1
            result.required_satisfied += satisfied
            if not satisfied:
                result.met = False
                result.missing.append(missing_entry(item, facts))
    return result


# --- Stored gate progress ----------------------------------------------------------------------

PROGRESS_FIELDS = ("dor_required", "dor_satisfied", "dod_required", "dod_satisfied")
# The task counts stored beside the gate progress (from the same facts: "all tasks closed"
# counts the tasks and the open ones), so that lists show task progress without counting.
TASK_COUNT_FIELDS = ("task_count", "closed_task_count")
STORED_FIELDS = (*PROGRESS_FIELDS, *TASK_COUNT_FIELDS)


def task_count_values(facts: Facts) -> dict[str, int]:
    """Every task of the initiative, and the closed ones (done or won't do)."""
    return {"task_count": facts.tasks, "closed_task_count": facts.tasks - facts.open_tasks}


def progress_values(items: Iterable[GateItem], facts: Facts) -> dict[str, int]:
    items = list(items)
    ready = evaluate_gate(ChecklistKind.READY, items, facts)
    done = evaluate_gate(ChecklistKind.DONE, items, facts)
    return {
        "dor_required": ready.required_total,
        "dor_satisfied": ready.required_satisfied,
        "dod_required": done.required_total,
        "dod_satisfied": done.required_satisfied,
    }


def gate_progress(initiative: Initiative, kind: str) -> GateProgress:
    """The stored progress of ``initiative``'s gate ``kind`` (no query)."""
    prefix = "dor" if kind == ChecklistKind.READY else "dod"
    return GateProgress(
        kind=kind,
        required_total=getattr(initiative, f"{prefix}_required"),
        required_satisfied=getattr(initiative, f"{prefix}_satisfied"),
    )


def tick_precondition_refusal(item: ChecklistItem, facts: Facts) -> str | None:
    """A sign-off item with a rule can be ticked only once the rule holds."""
    if item.is_automatic:
        return "This item is checked automatically from the initiative's data; it cannot be ticked."
    if item.rule and not rule_met(item, facts):
        return RULE_UNMET.get(item.rule, "The item's precondition is not met.")
    return None


# --- Templates and snapshots -----------------------------------------------------------------

SNAPSHOT_FIELDS = (
    "text",
    "guidance",
    "required",
    "risk_scaled",
    "signoff_role",
    "evidence",
    "rule",
    "position",
)
