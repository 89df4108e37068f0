"""Initiative reads shared by the web UI, the API and the digest.

``list_initiatives`` answers any list of initiatives in a fixed number of queries: one for the
rows (with the current milestone, task counts and the facts the automatic checklist rules
need, as annotations) and one for all their checklist items, from which each row's DoR and DoD
progress is evaluated in Python."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from ..checklists import GateResult, ItemRow, evaluate_gate, fact_annotations, facts_from_row
from ..models import (
    CLOSED_TASK_STATES,
    ChecklistItem,
    ChecklistKind,
    Initiative,
    Milestone,
    MilestoneState,
    Task,
)
from ..workflow import is_stale, iso_week

OPEN_MILESTONE_STATES = (MilestoneState.PLANNED, MilestoneState.IN_PROGRESS)


def visible_initiatives(user) -> QuerySet[Initiative]:
    """Initiatives of the teams ``user`` belongs to."""
    return Initiative.objects.filter(team__memberships__user=user)


def with_list_annotations(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Rows ready for a list: team and DRI joined, current milestone, task progress and the
    automatic-rule facts annotated (no query per row)."""
    current = Milestone.objects.filter(
        initiative=OuterRef("pk"), state__in=OPEN_MILESTONE_STATES
    ).order_by("due_date", "position", "pk")
    tasks = Task.objects.filter(initiative=OuterRef("pk")).order_by().values("initiative")
    return queryset.select_related("team", "dri").annotate(
        current_milestone_id=Subquery(current.values("pk")[:1]),
        current_milestone_title=Subquery(current.values("title")[:1]),
        current_milestone_due=Subquery(current.values("due_date")[:1]),
        tasks_total=Subquery(tasks.annotate(n=Count("pk")).values("n")),
        tasks_closed=Subquery(
            tasks.filter(state__in=CLOSED_TASK_STATES).annotate(n=Count("pk")).values("n")
        ),
        **fact_annotations(),
    )


@dataclass
class Gates:
    ready: GateResult
    done: GateResult


def gates_for(initiatives: Iterable[Initiative]) -> dict[int, Gates]:
    """DoR and DoD evaluation for rows loaded with ``with_list_annotations``: one query."""
    rows = list(initiatives)
    items: dict[int, list[ItemRow]] = defaultdict(list)
    decided = ChecklistItem.objects.filter(initiative__in=[r.pk for r in rows]).order_by(
        "kind", "section_position", "position", "pk"
    )
    for values in decided.values_list(*ItemRow.FIELDS):
        item = ItemRow(*values)
        items[item.initiative_id].append(item)
    result = {}
    for row in rows:
        facts = facts_from_row(row)
        result[row.pk] = Gates(
            ready=evaluate_gate(ChecklistKind.READY, items[row.pk], facts),
            done=evaluate_gate(ChecklistKind.DONE, items[row.pk], facts),
        )
    return result


def list_initiatives(queryset: QuerySet[Initiative]) -> list[Initiative]:
    """Evaluate ``queryset`` (already filtered, ordered and sliced as the caller needs) with
    its list annotations and attach ``gates``, ``progress`` and ``stale`` to every row.
    Two queries whatever the number of rows."""
    rows = list(with_list_annotations(queryset))
    gates = gates_for(rows)
    now = timezone.now()
    for row in rows:
        row.gates = gates[row.pk]
        total = row.tasks_total or 0
        row.progress = round(100 * (row.tasks_closed or 0) / total) if total else 0
        row.stale = stale(row, now)
    return rows


def stale(initiative: Initiative, now: dt.datetime | None = None) -> bool:
    tz = initiative.team.tz
    now = now or timezone.now()
    return is_stale(
        state=initiative.state,
        last_update_week=initiative.last_update_week,
        created_week=iso_week(timezone.localtime(initiative.created_at, tz).date()),
        current_week=iso_week(timezone.localtime(now, tz).date()),
    )


def initiative_detail(queryset: QuerySet[Initiative], key: str) -> Initiative:
    """One initiative by ``KEY-N`` with what its page and API detail show: people, milestones
    with their slips and task counts, and its checklist evaluation. Raises DoesNotExist."""
    milestones = Milestone.objects.annotate(
        tasks_total=Count("tasks"),
        tasks_closed=Count("tasks", filter=Q(tasks__state__in=CLOSED_TASK_STATES)),
    ).prefetch_related("slips")
    initiative = (
        with_list_annotations(queryset.by_key(key))
        .prefetch_related("members", "stakeholders", Prefetch("milestones", queryset=milestones))
        .get()
    )
    # The whole checklist, loaded once: the gates are evaluated from the same rows the page
    # and the API show.
    initiative.checklist = list(
        ChecklistItem.objects.filter(initiative=initiative)
        .select_related("decided_by")
        .order_by("kind", "section_position", "position", "pk")
    )
    facts = facts_from_row(initiative)
    initiative.gates = Gates(
        ready=evaluate_gate(ChecklistKind.READY, initiative.checklist, facts),
        done=evaluate_gate(ChecklistKind.DONE, initiative.checklist, facts),
    )
    initiative.stale = stale(initiative)
    total = initiative.tasks_total or 0
    initiative.progress = round(100 * (initiative.tasks_closed or 0) / total) if total else 0
    return initiative
