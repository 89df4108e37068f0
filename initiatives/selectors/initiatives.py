"""Initiative reads shared by the web UI, the API and the digest.

``list_initiatives`` answers any list of initiatives in one query: the rows, with the current
milestone as annotations; DoR and DoD progress and the task counts are the stored roll-ups
(``checklists.store_gate_progress``). ``gates_for`` evaluates the gates in full (with the missing
items) for the few rows that need them, in two queries."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from initiatives.models import (
    CLOSED_TASK_STATES,
    ChecklistItem,
    ChecklistKind,
    Initiative,
    Milestone,
    MilestoneSlip,
    MilestoneState,
    State,
    Task,
    Team,
)
from initiatives.models.initiative import ACTIVE_STATES, InitiativeQuerySet
from initiatives.rules.checklists import (
    Facts,
    GateProgress,
    GateResult,
    evaluate_gate,
    facts_from_loaded,
    gate_progress,
)
from initiatives.rules.permissions import InitiativePeople
from initiatives.rules.workflow import is_stale, iso_week, next_gate
from initiatives.selectors.checklists import load_for_evaluation

OPEN_MILESTONE_STATES = (MilestoneState.PLANNED, MilestoneState.IN_PROGRESS)
# How lists name a gate in a chip or a bar ("DoR 5/12").
GATE_SHORT_NAMES: dict[str, str] = {ChecklistKind.READY: "DoR", ChecklistKind.DONE: "DoD"}
User = get_user_model()


def visible_initiatives(user: Any) -> InitiativeQuerySet:
    """Initiatives of the teams ``user`` belongs to."""
    return Initiative.objects.visible_to(user)


class ListAnnotations(TypedDict):
    """What ``with_list_annotations`` adds to each row (None where there is nothing)."""

    current_milestone_id: int | None
    current_milestone_title: str | None
    current_milestone_due: dt.date | None
    tasks_total: int | None
    tasks_closed: int | None


def with_list_annotations(
    queryset: QuerySet[Initiative],
) -> QuerySet[WithAnnotations[Initiative, ListAnnotations]]:
    """Rows ready for a list: team and DRI joined, current milestone and task progress
    annotated (no query per row)."""
    current = Milestone.objects.filter(
        initiative=OuterRef("pk"), state__in=OPEN_MILESTONE_STATES
    ).order_by("due_date", "position", "pk")
    return queryset.select_related("team", "dri").annotate(
        current_milestone_id=Subquery(current.values("pk")[:1]),
        current_milestone_title=Subquery(current.values("title")[:1]),
        current_milestone_due=Subquery(current.values("due_date")[:1]),
        # The stored counts (``checklists.store_gate_progress``), not a count per row.
        tasks_total=F("task_count"),
        tasks_closed=F("closed_task_count"),
    )


def task_counts() -> dict[str, Subquery]:
    """``tasks_total`` and ``tasks_closed`` of each initiative row counted afresh, as
    annotations (the initiative detail evaluates its gates from them)."""
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

    def of(self, kind: str) -> GateResult | GateProgress:
        """The gate of ``kind`` (a ChecklistKind)."""
        return self.ready if kind == ChecklistKind.READY else self.done


def heading_for_gate(kind: str, *, prefix: str = "") -> Q:
    """Initiatives whose next gate (``rules.workflow.next_gate``) is ``kind``, as a filter;
    ``prefix`` reaches the initiative through a relation (``"initiative__"``)."""
    states = [s for s in State.values if s != State.PAUSED and next_gate(s) == kind]
    return Q(**{f"{prefix}state__in": states}) | Q(
        **{f"{prefix}state": State.PAUSED, f"{prefix}paused_from__in": states}
    )


@dataclass(frozen=True, slots=True)
class CurrentMilestone:
    """The first open milestone by delivery date: what lists call "current"."""

    id: int
    title: str
    due_date: dt.date


@dataclass(kw_only=True, slots=True)
class InitiativeRow:
    """One initiative of a list (``list_initiatives``): the model row, with its team and DRI
    joined, and what every list shows beside it. The columns lists read are forwarded as
    typed properties, so templates and output functions read ``row.title`` as on the model."""

    initiative: Initiative
    gates: Gates
    tasks_total: int
    tasks_closed: int
    stale: bool
    current_milestone: CurrentMilestone | None
    # Annotations the caller added to its queryset beyond the list's own, by name
    # (``list_initiatives(queryset, extra=...)``).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def progress(self) -> int:
        """Closed tasks, in percent of all tasks (0 without tasks)."""
        total = self.tasks_total
        return round(100 * self.tasks_closed / total) if total else 0

    @property
    def next_gate(self) -> GateResult | GateProgress | None:
        """The gate the initiative works towards (``rules.workflow.next_gate``), if any."""
        kind = next_gate(self.initiative.state, paused_from=self.initiative.paused_from)
        return self.gates.of(kind) if kind else None

    @property
    def current_milestone_id(self) -> int | None:
        return self.current_milestone.id if self.current_milestone else None

    @property
    def current_milestone_title(self) -> str | None:
        return self.current_milestone.title if self.current_milestone else None

    @property
    def current_milestone_due(self) -> dt.date | None:
        return self.current_milestone.due_date if self.current_milestone else None

    # -- the model's own columns ------------------------------------------------------------
    @property
    def pk(self) -> int:
        return self.initiative.pk

    @property
    def key(self) -> str:
        return self.initiative.key

    @property
    def number(self) -> int:
        return self.initiative.number

    @property
    def title(self) -> str:
        return self.initiative.title

    @property
    def summary(self) -> str:
        return self.initiative.summary

    @property
    def team(self) -> Team:
        return self.initiative.team

    @property
    def team_id(self) -> int:
        return self.initiative.team_id

    @property
    def dri(self) -> AbstractBaseUser:
        return self.initiative.dri

    @property
    def dri_id(self) -> int:
        return self.initiative.dri_id

    @property
    def state(self) -> str:
        return self.initiative.state

    @property
    def paused_from(self) -> str:
        return self.initiative.paused_from

    @property
    def health(self) -> str:
        return self.initiative.health

    @property
    def security_risk(self) -> str:
        return self.initiative.security_risk

    @property
    def design_doc_url(self) -> str:
        return self.initiative.design_doc_url

    @property
    def target_date(self) -> dt.date | None:
        return self.initiative.target_date

    @property
    def cancel_reason(self) -> str:
        return self.initiative.cancel_reason

    @property
    def last_update_week(self) -> str:
        return self.initiative.last_update_week

    @property
    def version(self) -> int:
        return self.initiative.version

    @property
    def state_changed_at(self) -> dt.datetime:
        return self.initiative.state_changed_at

    @property
    def created_at(self) -> dt.datetime:
        return self.initiative.created_at

    @property
    def updated_at(self) -> dt.datetime:
        return self.initiative.updated_at

    @property
    def is_active(self) -> bool:
        return self.initiative.is_active

    def get_state_display(self) -> str:
        return self.initiative.get_state_display()

    def get_health_display(self) -> str:
        return self.initiative.get_health_display()

    def get_absolute_url(self) -> str:
        return self.initiative.get_absolute_url()


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


def list_initiatives(
    queryset: QuerySet[Initiative], *, extra: Iterable[str] = ()
) -> list[InitiativeRow]:
    """Evaluate ``queryset`` (already filtered, ordered and sliced as the caller needs) with
    its list annotations: one row each, with stored gate progress, task counts, the current
    milestone and the stale flag; ``extra`` names annotations of the caller's own, copied to
    ``row.extra``. One query whatever the number of rows."""
    names = tuple(extra)
    now = timezone.now()
    rows = []
    for initiative in with_list_annotations(queryset):
        pk, title, due = (
            initiative.current_milestone_id,
            initiative.current_milestone_title,
            initiative.current_milestone_due,
        )
        # The three come from the same milestone row: all set or all None.
        current = (
            CurrentMilestone(id=pk, title=title, due_date=due) if pk and title and due else None
        )
        rows.append(
            InitiativeRow(
                initiative=initiative,
                gates=stored_gates(initiative),
                tasks_total=initiative.tasks_total or 0,
                tasks_closed=initiative.tasks_closed or 0,
                stale=stale(initiative, now),
                current_milestone=current,
                extra={name: getattr(initiative, name) for name in names},
            )
        )
    return rows


@functools.lru_cache(maxsize=64)
def _week_at(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """The ISO week of ``moment`` in ``tz`` (a list asks it once per team, not once per row)."""
    return iso_week(timezone.localtime(moment, tz).date())


def stale(initiative: Initiative, now: dt.datetime | None = None) -> bool:
    if initiative.state not in ACTIVE_STATES:
        return False  # as ``is_stale`` says, without working out any week
    tz = initiative.team.tz
    now = now or timezone.now()
    return is_stale(
        state=initiative.state,
        last_update_week=initiative.last_update_week,
        created_week=iso_week(timezone.localtime(initiative.created_at, tz).date()),
        current_week=_week_at(now, tz),
    )


PERSON_FIELDS = ("id", "username", "first_name", "last_name")


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    """A milestone of the detail, with its task counts and its slips (oldest first)."""

    milestone: Milestone
    tasks_total: int
    tasks_closed: int
    slips: list[MilestoneSlip]

    @property
    def progress(self) -> int:
        total = self.tasks_total
        return round(100 * self.tasks_closed / total) if total else 0


@dataclass(kw_only=True, slots=True)
class InitiativeDetail(InitiativeRow):
    """One initiative with everything its page and its API detail show (``initiative_detail``):
    people, milestones, the whole checklist and both gates evaluated in full."""

    members: list[AbstractBaseUser]
    stakeholders: list[AbstractBaseUser]
    milestones: list[MilestoneRow]
    checklist: list[ChecklistItem]
    facts: Facts

    @property
    def people(self) -> InitiativePeople:
        """Who is a member or stakeholder, for the permission rules (no query)."""
        return InitiativePeople(
            member_ids=frozenset(u.pk for u in self.members),
            stakeholder_ids=frozenset(u.pk for u in self.stakeholders),
        )


def initiative_people(
    initiative: Initiative,
) -> tuple[list[AbstractBaseUser], list[AbstractBaseUser]]:
    """The initiative's members and its stakeholders (by username) in one query, not one per
    relation."""
    links = {
        "members": Initiative.members.through.objects,
        "stakeholders": Initiative.stakeholders.through.objects,
    }
    linked = {
        name: through.filter(initiative_id=initiative.pk, user_id=OuterRef("pk"))
        for name, through in links.items()
    }
    people = list(
        User.objects.only(*PERSON_FIELDS)
        .annotate(members=Exists(linked["members"]), stakeholders=Exists(linked["stakeholders"]))
        .filter(Q(members=True) | Q(stakeholders=True))
        .order_by("username")
    )
    return (
        [person for person in people if person.members],
        [person for person in people if person.stakeholders],
    )


def initiative_detail(queryset: QuerySet[Initiative], key: str) -> InitiativeDetail:
    """One initiative by ``KEY-N`` with what its page and API detail show: people, milestones
    with their slips and task counts, its current milestone and its checklist evaluation.
    Raises DoesNotExist. The current milestone and the automatic rules' facts come from the
    rows already loaded, not from subqueries."""
    counts = task_counts()
    initiative = (
        queryset.filter(pk__in=Initiative.objects.by_key(key).values("pk"))
        .select_related("team", "dri")
        .annotate(tasks_total=counts["tasks_total"], tasks_closed=counts["tasks_closed"])
        .get()
    )
    members, stakeholders = initiative_people(initiative)
    milestones = (
        Milestone.objects.filter(initiative=initiative)
        .annotate(
            tasks_total=Count("tasks"),
            tasks_closed=Count("tasks", filter=Q(tasks__state__in=CLOSED_TASK_STATES)),
        )
        .prefetch_related("slips")
    )
    loaded = [
        MilestoneRow(
            milestone=m,
            tasks_total=m.tasks_total,
            tasks_closed=m.tasks_closed,
            slips=list(m.slips.all()),
        )
        for m in milestones
    ]
    current = min(
        (r.milestone for r in loaded if r.milestone.state in OPEN_MILESTONE_STATES),
        key=lambda m: (m.due_date, m.position, m.pk),
        default=None,
    )
    # The whole checklist, loaded once: the gates are evaluated from the same rows the page
    # and the API show.
    checklist = list(
        ChecklistItem.objects.filter(initiative=initiative)
        .select_related("decided_by")
        .order_by("kind", "section_position", "position", "pk")
    )
    tasks_total, tasks_closed = initiative.tasks_total or 0, initiative.tasks_closed or 0
    facts = facts_from_loaded(
        initiative,
        stakeholders=len(stakeholders),
        milestones=[r.milestone for r in loaded],
        open_tasks=tasks_total - tasks_closed,
        tasks=tasks_total,
    )
    return InitiativeDetail(
        initiative=initiative,
        gates=Gates(
            ready=evaluate_gate(ChecklistKind.READY, checklist, facts),
            done=evaluate_gate(ChecklistKind.DONE, checklist, facts),
        ),
        tasks_total=tasks_total,
        tasks_closed=tasks_closed,
        stale=stale(initiative),
        current_milestone=(
            CurrentMilestone(id=current.pk, title=current.title, due_date=current.due_date)
            if current
            else None
        ),
        members=members,
        stakeholders=stakeholders,
        milestones=loaded,
        checklist=checklist,
        facts=facts,
    )
