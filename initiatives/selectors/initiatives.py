"""Initiative reads shared by the web UI, the API and the digest.

``list_initiatives`` answers any list of initiatives in one query: the rows, with the current
milestone and task counts as annotations; DoR and DoD progress are the stored roll-ups
(``checklists.store_gate_progress``). ``gates_for`` evaluates the gates in full (with the missing
items) for the few rows that need them, in two queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from initiatives.models import (
    CLOSED_TASK_STATES,
    ChecklistItem,
    ChecklistKind,
    Initiative,
    Milestone,
    MilestoneState,
    Task,
)
from initiatives.rules.checklists import (
    GateProgress,
    GateResult,
    evaluate_gate,
    facts_from_loaded,
    gate_progress,
)
from initiatives.rules.workflow import is_stale, iso_week
from initiatives.selectors.checklists import load_for_evaluation

OPEN_MILESTONE_STATES = (MilestoneState.PLANNED, MilestoneState.IN_PROGRESS)
User = get_user_model()


def visible_initiatives(user) -> QuerySet[Initiative]:
    """Initiatives of the teams ``user`` belongs to."""
    return Initiative.objects.filter(team__memberships__user=user)


def with_list_annotations(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Rows ready for a list: team and DRI joined, current milestone and task progress
    annotated (no query per row)."""
    current = Milestone.objects.filter(
        initiative=OuterRef("pk"), state__in=OPEN_MILESTONE_STATES
    ).order_by("due_date", "position", "pk")
    return queryset.select_related("team", "dri").annotate(
        current_milestone_id=Subquery(current.values("pk")[:1]),
        current_milestone_title=Subquery(current.values("title")[:1]),
        current_milestone_due=Subquery(current.values("due_date")[:1]),
        **task_counts(),
    )


def task_counts() -> dict[str, Subquery]:
    """``tasks_total`` and ``tasks_closed`` of each initiative row, as annotations."""
    tasks = Task.objects.filter(initiative=OuterRef("pk")).order_by().values("initiative")
    return {
        "tasks_total": Subquery(tasks.annotate(n=Count("pk")).values("n")),
        "tasks_closed": Subquery(
            tasks.filter(state__in=CLOSED_TASK_STATES).annotate(n=Count("pk")).values("n")
        ),
    }


@dataclass
class Gates:
    ready: GateResult | GateProgress
    done: GateResult | GateProgress


def stored_gates(initiative: Initiative) -> Gates:
    """The stored DoR and DoD progress of a row (no query; no missing items)."""
    return Gates(
        ready=gate_progress(initiative, ChecklistKind.READY),
        done=gate_progress(initiative, ChecklistKind.DONE),
    )


def gates_for(initiative_ids: Iterable[int]) -> dict[int, Gates]:
    """The DoR and DoD of each initiative evaluated in full, with the missing items: two
    queries (the rules' facts, the checklist items) whatever the number of initiatives."""
    ids = list(initiative_ids)
    if not ids:
        return {}
    facts, items = load_for_evaluation(ids)
    return {
        pk: Gates(
            ready=evaluate_gate(ChecklistKind.READY, items[pk], facts[pk]),
            done=evaluate_gate(ChecklistKind.DONE, items[pk], facts[pk]),
        )
        for pk in ids
        if pk in facts
    }


def list_initiatives(queryset: QuerySet[Initiative]) -> list[Initiative]:
    """Evaluate ``queryset`` (already filtered, ordered and sliced as the caller needs) with
    its list annotations and attach ``gates`` (stored progress), ``progress`` and ``stale`` to
    every row. One query whatever the number of rows."""
    rows = list(with_list_annotations(queryset))
    now = timezone.now()
    for row in rows:
        row.gates = stored_gates(row)
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


PERSON_FIELDS = ("id", "username", "first_name", "last_name")


def load_people(initiative: Initiative) -> None:
    """The initiative's members and stakeholders in one query (not one per relation), filed
    where ``prefetch_related`` files them: ``initiative.members.all()`` and the permission
    checks read them without a query."""
    links = {
        "members": Initiative.members.through.objects,
        "stakeholders": Initiative.stakeholders.through.objects,
    }
    flags = {
        name: Exists(through.filter(initiative_id=initiative.pk, user_id=OuterRef("pk")))
        for name, through in links.items()
    }
    people = list(
        User.objects.only(*PERSON_FIELDS)
        .annotate(**flags)
        .filter(Q(members=True) | Q(stakeholders=True))
        .order_by("username")
    )
    prefetched = initiative.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in links:
        queryset = getattr(initiative, name).all()
        queryset._result_cache = [person for person in people if getattr(person, name)]
        queryset._prefetch_done = True
        prefetched[name] = queryset


def initiative_detail(queryset: QuerySet[Initiative], key: str) -> Initiative:
    """One initiative by ``KEY-N`` with what its page and API detail show: people, milestones
    with their slips and task counts, its current milestone and its checklist evaluation.
    Raises DoesNotExist. The current milestone and the automatic rules' facts come from the
    rows already loaded, not from subqueries."""
    milestones = Milestone.objects.annotate(
        tasks_total=Count("tasks"),
        tasks_closed=Count("tasks", filter=Q(tasks__state__in=CLOSED_TASK_STATES)),
    ).prefetch_related("slips")
    initiative = (
        queryset.by_key(key)
        .select_related("team", "dri")
        .annotate(**task_counts())
        .prefetch_related(Prefetch("milestones", queryset=milestones))
        .get()
    )
    load_people(initiative)
    loaded = list(initiative.milestones.all())
    current = min(
        (m for m in loaded if m.state in OPEN_MILESTONE_STATES),
        key=lambda m: (m.due_date, m.position, m.pk),
        default=None,
    )
    initiative.current_milestone_id = current.pk if current else None
    initiative.current_milestone_title = current.title if current else None
    initiative.current_milestone_due = current.due_date if current else None
    # The whole checklist, loaded once: the gates are evaluated from the same rows the page
    # and the API show.
    initiative.checklist = list(
        ChecklistItem.objects.filter(initiative=initiative)
        .select_related("decided_by")
        .order_by("kind", "section_position", "position", "pk")
    )
    initiative.facts = facts = facts_from_loaded(
        initiative,
        stakeholders=len(initiative.stakeholders.all()),
        milestones=loaded,
        open_tasks=(initiative.tasks_total or 0) - (initiative.tasks_closed or 0),
    )
    initiative.gates = Gates(
        ready=evaluate_gate(ChecklistKind.READY, initiative.checklist, facts),
        done=evaluate_gate(ChecklistKind.DONE, initiative.checklist, facts),
    )
    initiative.stale = stale(initiative)
    total = initiative.tasks_total or 0
    initiative.progress = round(100 * (initiative.tasks_closed or 0) / total) if total else 0
    return initiative
