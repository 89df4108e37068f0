"""What a CSV import will write, parsed and checked row by row before anything is written
(``jira.parse``, ``github.parse``), and its application through the domain's services
(``apply_plan``): initiatives are created, moved to their imported state (an EM's gate
override with the import as its reason, recorded like any other), milestones planned as
history (``backfill``) and tasks created, each with its audit event."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from initiatives import services
from initiatives.models import Initiative, Membership, Role, State, Team
from initiatives.rules.exceptions import ApplicationError, GateBlocked
from initiatives.rules.limits import text_errors
from initiatives.rules.workflow import delivery_task_refusal

User = get_user_model()

# The moves from discovery that reach each state (a cancelled initiative is cancelled last,
# once its work is in: a cancelled initiative is read-only).
PATHS: dict[str, list[str]] = {
    State.DISCOVERY: [],
    State.SCOPING: [State.SCOPING],
    State.READY: [State.SCOPING, State.READY],
    State.IN_DELIVERY: [State.SCOPING, State.READY, State.IN_DELIVERY],
    State.DONE: [State.SCOPING, State.READY, State.IN_DELIVERY, State.DONE],
    State.PAUSED: [State.PAUSED],
    State.CANCELLED: [],
}


@dataclass(frozen=True)
class Skip:
    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}: {self.why}"


@dataclass
class PlannedTask:
    line: int
    ref: str  # the issue key or the item's title, to name it in messages
    title: str
    state: str
    assignee: Any = None
    milestone: str = ""
    external_url: str = ""


@dataclass
class PlannedInitiative:
    line: int
    ref: str
    title: str = ""
    summary: str = ""
    state: str = State.DISCOVERY
    source_status: str = ""
    dri: Any = None
    existing: Initiative | None = None  # GitHub: the initiative the tasks go to
    milestones: dict[str, dt.date] = field(default_factory=dict)
    tasks: list[PlannedTask] = field(default_factory=list)


@dataclass
class ImportPlan:
    source: str
    team: Team
    initiatives: list[PlannedInitiative] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- Reading a CSV file ---------------------------------------------------------------------


@dataclass
class Row:
    """One record of a CSV file: its first line number and its values by column name (a name
    repeated in the header, as Jira does for multi-valued fields, gives several values)."""

    line: int
    values: dict[str, list[str]]

    def get(self, *names: str) -> str:
        for name in names:
            for value in self.values.get(name.casefold(), []):
                if value.strip():
                    return value.strip()
        return ""

    def all(self, name: str) -> list[str]:
        return [v.strip() for v in self.values.get(name.casefold(), []) if v.strip()]


def read_rows(text: str, required: tuple[str, ...], skipped: list[Skip]) -> Iterator[Row]:
    """The records of ``text``; a record with a different number of fields than the header is
    skipped (as malformed) with its line number. Refuses a file without the ``required``
    columns."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [name.strip().casefold() for name in next(reader)]
    except StopIteration:
        raise ApplicationError("The file is empty.", code="empty_file") from None
    except csv.Error as error:
        raise ApplicationError(f"line 1: not CSV ({error}).", code="not_csv") from None
    missing = [name for name in required if name.casefold() not in header]
    if missing:
        raise ApplicationError(
            f"line 1: the header has no column {', '.join(repr(m) for m in missing)}.",
            code="missing_columns",
        )
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            skipped.append(Skip(line, "row", f"not valid CSV ({error})"))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(value.strip() for value in record):
            continue
        if len(record) != len(header):
            skipped.append(
                Skip(start, "row", f"has {len(record)} fields, the header has {len(header)}")
            )
            continue
        values: dict[str, list[str]] = {}
        for name, value in zip(header, record, strict=True):
            values.setdefault(name, []).append(value)
        yield Row(start, values)


# --- Shared checks ----------------------------------------------------------------------------


def parse_mapping(pairs: list[str], allowed: list[str], what: str) -> dict[str, str]:
    """``["In Review=in_progress", …]`` as a case-insensitive mapping to ``allowed`` values."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.rpartition("=")
        target = target.strip()
        if not sep or not source.strip() or target not in allowed:
            raise ApplicationError(
                f"{what} mapping {pair!r} should be NAME=STATE with STATE one of "
                f"{', '.join(allowed)}.",
                code="bad_mapping",
            )
        mapping[source.strip().casefold()] = target
    return mapping


class People:
    """The team's contributors, found by username, email or full name (one query)."""

    def __init__(self, team: Team) -> None:
        self.by_name: dict[str, Any] = {}
        memberships = Membership.objects.filter(team=team).exclude(role=Role.VIEWER)
        for m in memberships.select_related("user"):
            user = m.user
            for name in (user.get_username(), user.email, user.get_full_name()):
                if name:
                    self.by_name.setdefault(name.casefold(), user)

    def find(self, name: str) -> Any:
        return self.by_name.get(name.strip().casefold()) if name.strip() else None


def text_problem(**fields: str) -> str:
    """Why these texts cannot be stored (too long, NUL), or empty (``rules.limits``)."""
    errors = text_errors(fields)
    return "; ".join(f"{name} {' '.join(messages)}" for name, messages in errors.items())


def parse_date(value: str) -> dt.date | None:
    """A date as Jira and GitHub write them (ISO, or Jira's ``12/Dec/26 3:00 PM``); None when
    it is none of those."""
    value = value.strip()
    for parse in (
        lambda v: dt.date.fromisoformat(v),
        lambda v: dt.datetime.fromisoformat(v).date(),
        lambda v: dt.datetime.strptime(v, "%d/%b/%y %I:%M %p").date(),
        lambda v: dt.datetime.strptime(v, "%d/%b/%y").date(),
        lambda v: dt.datetime.strptime(v, "%d/%b/%Y").date(),
    ):
        try:
            return parse(value)
        except ValueError:
            continue
    return None


def find_initiative(team: Team, key: str) -> Initiative | None:
    return Initiative.objects.filter(team=team).by_key(key).select_related("team").first()


# --- Applying a plan --------------------------------------------------------------------------


def apply_plan(
    plan: ImportPlan, actor: Any, created: Counter[str], notes: list[str], skipped: list[Skip]
) -> None:
    """Write ``plan`` through the services, inside the caller's transaction. A row the domain
    refuses (found only now) is skipped with its line and why, in its own savepoint."""
    for planned in plan.initiatives:
        initiative = planned.existing or _create_initiative(plan, planned, actor, created, skipped)
        if initiative is None:
            continue
        milestones = {}
        for name, due in planned.milestones.items():
            try:
                with transaction.atomic():
                    milestones[name] = services.milestone_create(
                        initiative=initiative, actor=actor, title=name, due_date=due, backfill=True
                    )
                created["milestones"] += 1
            except ApplicationError as error:
                skipped.append(Skip(planned.line, f"milestone {name!r}", error.message))
        initiative.refresh_from_db()
        refusal = delivery_task_refusal(initiative.state, initiative.paused_from)
        for task in planned.tasks:
            milestone = milestones.get(task.milestone)
            if milestone is not None and refusal:
                notes.append(
                    f"line {task.line}: {task.ref} added without its milestone "
                    f"{task.milestone!r}: {initiative.key} is not ready"
                )
                milestone = None
            try:
                with transaction.atomic():
                    services.task_create(
                        initiative=initiative,
                        actor=actor,
                        title=task.title,
                        milestone=milestone,
                        assignee=task.assignee,
                        external_url=task.external_url,
                        state=task.state,
                    )
                created["tasks"] += 1
            except ApplicationError as error:
                skipped.append(Skip(task.line, task.ref, error.message))
        if planned.existing is None and planned.state == State.CANCELLED:
            services.initiative_transition(
                initiative=initiative,
                to=State.CANCELLED,
                actor=actor,
                reason=f"Imported from {plan.source} as {planned.source_status!r}",
            )


def _create_initiative(
    plan: ImportPlan,
    planned: PlannedInitiative,
    actor: Any,
    created: Counter[str],
    skipped: list[Skip],
) -> Initiative | None:
    try:
        with transaction.atomic():
            initiative = services.initiative_create(
                team=plan.team,
                actor=actor,
                dri=planned.dri,
                title=planned.title,
                summary=planned.summary,
                backfill=True,
            )
            reason = f"Imported from {plan.source}: {planned.ref} was {planned.source_status!r}"
            for to in PATHS[planned.state]:
                try:
                    services.initiative_transition(
                        initiative=initiative, to=to, actor=actor, reason=reason
                    )
                except GateBlocked:
                    services.initiative_transition(
                        initiative=initiative, to=to, actor=actor, reason=reason, override=True
                    )
    except ApplicationError as error:
        skipped.append(Skip(planned.line, planned.ref, error.message))
        return None
    created["initiatives"] += 1
    return initiative
