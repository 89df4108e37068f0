"""The Jira CSV importer: epics become initiatives (their status mapped to a state), the
issues linked to an epic become its tasks (status mapped to a task state), and each fix
version (or another column chosen) becomes a milestone of the epic, due on the latest due
date of its issues. Every row that cannot be imported is reported with its line and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from initiatives.models import State, TaskState, Team
from initiatives.transfer.plans import (
    ImportPlan,
    People,
    PlannedInitiative,
    PlannedTask,
    Row,
    Skip,
    parse_date,
    parse_mapping,
    read_rows,
    text_problem,
)

REQUIRED = ("Summary", "Issue key", "Issue Type", "Status")
EPIC_LINK_COLUMNS = ("Custom field (Epic Link)", "Epic Link", "Parent", "Parent key", "Parent id")
MILESTONE_COLUMNS = ("Fix Version/s", "Fix versions", "Fix Version")

TASK_STATUS = {
    **dict.fromkeys(
        ["to do", "open", "backlog", "new", "selected for development", "reopened"], TaskState.TODO
    ),
    "in progress": TaskState.IN_PROGRESS,
    **dict.fromkeys(["in review", "code review", "review"], TaskState.IN_REVIEW),
    **dict.fromkeys(["done", "closed", "resolved"], TaskState.DONE),
    **dict.fromkeys(
        ["won't do", "won't fix", "cancelled", "canceled", "declined"], TaskState.WONT_DO
    ),
}
EPIC_STATUS = {
    **dict.fromkeys(["to do", "open", "backlog", "new"], State.DISCOVERY),
    "in progress": State.IN_DELIVERY,
    **dict.fromkeys(["done", "closed", "resolved"], State.DONE),
    **dict.fromkeys(["won't do", "cancelled", "canceled", "declined"], State.CANCELLED),
}


def parse(
    team: Team,
    text: str,
    *,
    status: list[str] = (),  # type: ignore[assignment]  # a tuple reads as an empty list
    epic_status: list[str] = (),  # type: ignore[assignment]
    milestone_field: str = "",
    milestone_due: dt.date | None = None,
    dri: Any = None,
    jira_url: str = "",
) -> ImportPlan:
    """The plan of importing ``text`` (a Jira CSV export) into ``team``. ``status`` and
    ``epic_status`` add ``"Jira status=state"`` pairs to the default mappings; issues go to
    the milestone named in ``milestone_field`` (default: the first fix version), due on the
    latest due date of its issues or else ``milestone_due``; an epic whose assignee is not a
    contributor of the team gets ``dri``."""
    task_map = {**TASK_STATUS, **parse_mapping(list(status), TaskState.values, "Status")}
    epic_map = {**EPIC_STATUS, **parse_mapping(list(epic_status), State.values, "Epic status")}
    plan = ImportPlan(source="Jira", team=team)
    people = People(team)
    rows = list(read_rows(text, REQUIRED, plan.skipped))
    epics: dict[str, PlannedInitiative] = {}
    refused: dict[str, int] = {}  # epics skipped, by key and id: their issues are skipped too
    for row in rows:
        if row.get("Issue Type").casefold() != "epic":
            continue
        planned = _epic(row, epic_map, people, dri, plan.skipped)
        names = [row.get("Issue key"), row.get("Issue id")]
        for name in filter(None, names):
            if planned is None:
                refused[name.casefold()] = row.line
            else:
                epics[name.casefold()] = planned
        if planned is not None:
            plan.initiatives.append(planned)
    dues: dict[tuple[int, str], dt.date] = {}
    columns = (milestone_field,) if milestone_field else MILESTONE_COLUMNS
    for row in rows:
        if row.get("Issue Type").casefold() == "epic":
            continue
        key = row.get("Issue key") or f"line {row.line}"
        link = row.get(*EPIC_LINK_COLUMNS).casefold()
        epic = epics.get(link)
        if epic is None:
            why = (
                f"its epic (line {refused[link]}) was skipped"
                if link in refused
                else (f"its epic {link.upper()!r} is not in the file" if link else "it has no epic")
            )
            plan.skipped.append(Skip(row.line, key, why))
            continue
        task = _task(row, key, task_map, people, jira_url, plan)
        if task is None:
            continue
        task.milestone = row.get(*columns)
        if task.milestone:
            due = parse_date(row.get("Due date", "Due Date"))
            slot = (epic.line, task.milestone)
            if due is not None and (slot not in dues or due > dues[slot]):
                dues[slot] = due
            epic.milestones.setdefault(task.milestone, dt.date.min)
        epic.tasks.append(task)
    for epic in plan.initiatives:
        for name in list(epic.milestones):
            due = dues.get((epic.line, name)) or milestone_due
            if due is None:
                plan.notes.append(
                    f"milestone {name!r} of {epic.ref}: no issue has a due date (give one with "
                    "--milestone-due); its issues are added without a milestone"
                )
                del epic.milestones[name]
                for task in epic.tasks:
                    task.milestone = "" if task.milestone == name else task.milestone
            else:
                epic.milestones[name] = due
    return plan


def _epic(
    row: Row, epic_map: dict[str, str], people: People, dri: Any, skipped: list[Skip]
) -> PlannedInitiative | None:
    key = row.get("Issue key") or f"line {row.line}"
    title, status = row.get("Summary"), row.get("Status")
    problem = text_problem(title=title, summary=row.get("Description"))
    why = ""
    if not title:
        why = "no summary (the initiative's title)"
    elif problem:
        why = problem
    elif status.casefold() not in epic_map:
        why = f"unknown epic status {status!r} (map it with --epic-status '{status}=STATE')"
    owner = people.find(row.get("Assignee")) or dri
    if not why and owner is None:
        why = (
            f"no DRI: its assignee {row.get('Assignee')!r} is not a contributor of the team "
            "(give one with --dri)"
        )
    if why:
        skipped.append(Skip(row.line, f"epic {key}", why))
        return None
    return PlannedInitiative(
        line=row.line,
        ref=key,
        title=title,
        summary=row.get("Description"),
        state=epic_map[status.casefold()],
        source_status=status,
        dri=owner,
    )


def _task(
    row: Row, key: str, task_map: dict[str, str], people: People, jira_url: str, plan: ImportPlan
) -> PlannedTask | None:
    title, status = row.get("Summary"), row.get("Status")
    url = f"{jira_url.rstrip('/')}/browse/{row.get('Issue key')}" if jira_url else ""
    why = text_problem(title=title, external_url=url)
    if not title:
        why = "no summary (the task's title)"
    elif not why and status.casefold() not in task_map:
        why = f"unknown status {status!r} (map it with --status '{status}=STATE')"
    if why:
        plan.skipped.append(Skip(row.line, key, why))
        return None
    assignee = people.find(row.get("Assignee"))
    if assignee is None and row.get("Assignee"):
        plan.notes.append(
            f"line {row.line}: {key} left unassigned: {row.get('Assignee')!r} is not a "
            "contributor of the team"
        )
    return PlannedTask(
        line=row.line,
        ref=key,
        title=title,
        state=task_map[status.casefold()],
        assignee=assignee,
        external_url=url,
    )
