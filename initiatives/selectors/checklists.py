"""Reads of checklists: the facts the automatic rules look at, the items of many initiatives
for evaluation, and the template an initiative copies (the rules are in ``rules.checklists``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from initiatives.compiled import CompiledRead
from initiatives.models import (
    CLOSED_TASK_STATES,
    ChecklistItem,
    ChecklistTemplate,
    Initiative,
    Milestone,
    MilestoneState,
    Task,
    Team,
)
from initiatives.rules.checklists import Facts, GateResult, ItemRow, evaluate_gate


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
        "fact_tasks": _count_per_initiative(Task.objects.all()),
    }


def facts_for(initiative: Initiative) -> Facts:
    """The facts of one initiative, read fresh in one query (built once per process)."""
    (row,) = _FACTS_OF_ONE.values(initiative_id=initiative.pk)
    return _facts_from_values(dict(zip(FACT_COLUMNS, row, strict=True)))


# The columns the rules read (no whole rows), in the order ``_fact_values`` selects them.
FACT_COLUMNS = (
    "pk", "design_doc_url", "security_risk", "security_risk_signed",
    "fact_stakeholders", "fact_milestones", "fact_open_tasks", "fact_tasks",
)  # fmt: skip


def _fact_values(queryset: models.QuerySet) -> models.QuerySet:
    """Only the columns and counts the rules read (no whole rows)."""
    annotations = fact_annotations()
    assert tuple(annotations) == FACT_COLUMNS[4:]
    return queryset.values(*FACT_COLUMNS[:4]).annotate(**annotations)


# Every transition and checklist read evaluates a gate: its facts query is built once.
_FACTS_OF_ONE: CompiledRead[Initiative] = CompiledRead(
    lambda initiative_id: _fact_values(Initiative.objects.filter(pk=initiative_id).order_by()),
    initiative_id=int,
)


def _facts_from_values(row: dict[str, Any]) -> Facts:
    return Facts(
        stakeholders=row["fact_stakeholders"],
        design_doc_url=row["design_doc_url"],
        milestones=row["fact_milestones"],
        open_tasks=row["fact_open_tasks"],
        tasks=row["fact_tasks"],
        security_risk=row["security_risk"],
        security_risk_signed=row["security_risk_signed"],
    )


# Built once per process (initiatives.compiled): every transition evaluates its gates.
_GATE_ITEMS: CompiledRead[ChecklistItem] = CompiledRead(
    lambda initiative_id, kind: ChecklistItem.objects.filter(
        initiative_id=initiative_id, kind=kind
    ),
    initiative_id=int,
    kind=str,
)


def evaluate(initiative: Initiative, kind: str) -> GateResult:
    items = _GATE_ITEMS.rows(initiative_id=initiative.pk, kind=kind)
    return evaluate_gate(kind, items, facts_for(initiative))


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


def template_for(team: Team, kind: str) -> ChecklistTemplate:
    """The team's own template of ``kind``, else the built-in default."""
    templates = ChecklistTemplate.objects.filter(Q(team=team) | Q(team__isnull=True), kind=kind)
    return templates.order_by(F("team").asc(nulls_last=True)).prefetch_related("sections__items")[0]
