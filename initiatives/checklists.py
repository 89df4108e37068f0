"""Checklist templates, per-initiative snapshots, automatic rules and gate evaluation.

Evaluation is pure: it takes the items and a few facts about the initiative (``Facts``) and says
which required items are missing and why. ``facts_for`` gathers the facts in one query; pages
that list many initiatives compute them in bulk through ``selectors``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .models import (
    CLOSED_TASK_STATES,
    ChecklistItem,
    ChecklistKind,
    ChecklistTemplate,
    Evidence,
    Initiative,
    ItemStatus,
    Milestone,
    MilestoneState,
    Rule,
    SecurityRisk,
    SignoffRole,
    Task,
    Team,
)


@dataclass(frozen=True)
class Facts:
    """What the automatic rules look at."""

    stakeholders: int
    design_doc_url: str
    milestones: int  # not cancelled
    open_tasks: int
    security_risk: str


RULES: dict[str, Callable[[Facts], bool]] = {
    Rule.STAKEHOLDERS_LISTED: lambda f: f.stakeholders > 0,
    Rule.DESIGN_DOC_LINKED: lambda f: bool(f.design_doc_url),
    # Every milestone has a delivery date by construction (the field is required).
    Rule.MILESTONES_PLANNED: lambda f: f.milestones > 0,
    Rule.ALL_TASKS_CLOSED: lambda f: f.open_tasks == 0,
    Rule.SECURITY_RISK_SET: lambda f: bool(f.security_risk),
}

RULE_UNMET = {
    Rule.STAKEHOLDERS_LISTED: "No stakeholder is listed on the initiative.",
    Rule.DESIGN_DOC_LINKED: "No design document is linked.",
    Rule.MILESTONES_PLANNED: "No milestone with a delivery date is planned.",
    Rule.ALL_TASKS_CLOSED: "Some tasks are still open.",
    Rule.SECURITY_RISK_SET: "The security risk level is not set.",
}


def _count_per_initiative(rows: models.QuerySet, column: str = "initiative") -> Coalesce:
    """A correlated COUNT of ``rows`` belonging to the outer initiative (0 when none)."""
    counted = (
        rows.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


def fact_annotations() -> dict[str, Any]:
    """Annotations giving each initiative row the counts the rules read (``Facts``)."""
    return {
        "fact_stakeholders": _count_per_initiative(
            Initiative.stakeholders.through.objects.all(), "initiative_id"
        ),
        "fact_milestones": _count_per_initiative(
            Milestone.objects.exclude(state=MilestoneState.CANCELLED)
        ),
        "fact_open_tasks": _count_per_initiative(
            Task.objects.exclude(state__in=CLOSED_TASK_STATES)
        ),
    }


def facts_from_loaded(
    initiative: Initiative, *, stakeholders: int, milestones: Iterable[Milestone], open_tasks: int
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
    )


def facts_for(initiative: Initiative) -> Facts:
    """The facts of one initiative, read fresh in one query."""
    return _facts_from_values(_fact_values(Initiative.objects.filter(pk=initiative.pk)).get())


def _fact_values(queryset: models.QuerySet) -> models.QuerySet:
    """Only the columns and counts the rules read (no whole rows)."""
    return queryset.values("pk", "design_doc_url", "security_risk").annotate(**fact_annotations())


def _facts_from_values(row: dict[str, Any]) -> Facts:
    return Facts(
        stakeholders=row["fact_stakeholders"],
        design_doc_url=row["design_doc_url"],
        milestones=row["fact_milestones"],
        open_tasks=row["fact_open_tasks"],
        security_risk=row["security_risk"],
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


def is_required(item: ChecklistItem, security_risk: str) -> bool:
    """Risk-scaled items (the DoD security approval) are optional for low risk only."""
    if not item.required:
        return False
    if item.risk_scaled:
        return security_risk != SecurityRisk.LOW
    return True


def rule_met(item: ChecklistItem, facts: Facts) -> bool:
    return RULES[item.rule](facts) if item.rule else True


def is_satisfied(item: ChecklistItem, facts: Facts) -> bool:
    if item.status == ItemStatus.WAIVED:
        return True
    if item.is_automatic:
        return rule_met(item, facts)
    return item.status == ItemStatus.DONE


def why_missing(item: ChecklistItem, facts: Facts) -> str:
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


def missing_entry(item: ChecklistItem, facts: Facts) -> dict[str, Any]:
    return {
        "id": item.pk,
        "section": item.section,
        "text": item.text,
        "required": True,
        "signoff_role": item.signoff_role or None,
        "why": why_missing(item, facts),
    }


def evaluate_gate(kind: str, items: Iterable[ChecklistItem], facts: Facts) -> GateResult:
    result = GateResult(kind=kind, met=True)
    for item in items:
        if item.kind != kind:
            continue
        satisfied = is_satisfied(item, facts)
        result.total += 1
        result.satisfied += satisfied
        if is_required(item, facts.security_risk):
            result.required_total += 1
            result.required_satisfied += satisfied
            if not satisfied:
                result.met = False
                result.missing.append(missing_entry(item, facts))
    return result


def evaluate(initiative: Initiative, kind: str) -> GateResult:
    items = ChecklistItem.objects.filter(initiative=initiative, kind=kind)
    return evaluate_gate(kind, items, facts_for(initiative))


# --- Stored gate progress ----------------------------------------------------------------------

PROGRESS_FIELDS = ("dor_required", "dor_satisfied", "dod_required", "dod_satisfied")


def progress_values(items: Iterable[ChecklistItem | ItemRow], facts: Facts) -> dict[str, int]:
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


def store_gate_progress(
    initiative: Initiative,
    *,
    facts: Facts | None = None,
    items: Iterable[ChecklistItem] | None = None,
) -> None:
    """Evaluate both gates of ``initiative`` and store their progress on its row (three
    queries; fewer when the caller has fresh ``facts`` or ``items``). Services call it after
    every write that can change a gate: checklist decisions, the design doc or security risk,
    stakeholders, milestones created or cancelled, tasks created or opened/closed."""
    facts = facts if facts is not None else facts_for(initiative)
    if items is None:
        rows = ChecklistItem.objects.filter(initiative=initiative.pk).values_list(*ItemRow.FIELDS)
        items = [ItemRow(*row) for row in rows]
    values = progress_values(items, facts)
    Initiative.objects.filter(pk=initiative.pk).update(**values)
    for name, value in values.items():
        setattr(initiative, name, value)


def load_for_evaluation(
    initiative_ids: list[int],
) -> tuple[dict[int, Facts], dict[int, list[ItemRow]]]:
    """The facts and the checklist items (in checklist order) of many initiatives: two
    queries whatever their number."""
    facts = {
        row["pk"]: _facts_from_values(row)
        for row in _fact_values(Initiative.objects.filter(pk__in=initiative_ids).order_by())
    }
    items: dict[int, list[ItemRow]] = {pk: [] for pk in initiative_ids}
    rows = (
        ChecklistItem.objects.filter(initiative__in=initiative_ids)
        .order_by("kind", "section_position", "position", "pk")
        .values_list(*ItemRow.FIELDS)
    )
    for row in rows:
        item = ItemRow(*row)
        items[item.initiative_id].append(item)
    return facts, items


def store_all_gate_progress(initiative_ids: Iterable[int] | None = None, batch: int = 500) -> int:
    """``store_gate_progress`` in bulk (seeding, data migrations, repairs): three queries per
    ``batch`` initiatives. Returns how many rows were stored."""
    ids = list(
        initiative_ids
        if initiative_ids is not None
        else Initiative.objects.order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        facts, items = load_for_evaluation(chunk)
        updated = [
            Initiative(pk=pk, **progress_values(items[pk], facts[pk]))
            for pk in chunk
            if pk in facts
        ]
        Initiative.objects.bulk_update(updated, PROGRESS_FIELDS)
    return len(ids)


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


def template_for(team: Team, kind: str) -> ChecklistTemplate:
    """The team's own template of ``kind``, else the built-in default."""
    templates = ChecklistTemplate.objects.filter(Q(team=team) | Q(team__isnull=True), kind=kind)
    return templates.order_by(F("team").asc(nulls_last=True)).prefetch_related("sections__items")[0]


def snapshot_checklists(initiative: Initiative) -> list[ChecklistItem]:
    """Copy the team's current DoR and DoD into the initiative; later template edits do not
    reach it."""
    items: list[ChecklistItem] = []
    for kind in ChecklistKind.values:
        template = template_for(initiative.team, kind)
        for section in template.sections.all():
            for spec in section.items.all():
                items.append(
                    ChecklistItem(
                        initiative=initiative,
                        kind=kind,
                        section=section.title,
                        section_position=section.position,
                        template_version=template.version,
                        **{name: getattr(spec, name) for name in SNAPSHOT_FIELDS},
                    )
                )
    return ChecklistItem.objects.bulk_create(items)


def template_touch(template: ChecklistTemplate) -> None:
    """Record an edit of the template (sections or items) as a new version."""
    ChecklistTemplate.objects.filter(pk=template.pk).update(version=F("version") + 1)
    template.refresh_from_db(fields=["version"])


@transaction.atomic
def template_copy_default(team: Team, kind: str) -> ChecklistTemplate:
    """Give ``team`` its own editable copy of the built-in template of ``kind``."""
    default = ChecklistTemplate.objects.prefetch_related("sections__items").get(
        team__isnull=True, kind=kind
    )
    template, created = ChecklistTemplate.objects.get_or_create(team=team, kind=kind)
    if not created:
        return template
    for section in default.sections.all():
        copy = template.sections.create(title=section.title, position=section.position)
        copy.items.bulk_create(
            [
                type(spec)(section=copy, **{name: getattr(spec, name) for name in SNAPSHOT_FIELDS})
                for spec in section.items.all()
            ]
        )
    return template
