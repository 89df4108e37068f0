"""The GitHub Projects CSV importer: every item of a project's exported view becomes a task
of one chosen initiative, its state taken from a single-select field (``Status`` unless told)
through a mapping, its assignee from the first of its assignees who is a contributor of the
team, its link from the item's URL. Every row that cannot be imported is reported with its
line and why."""

from __future__ import annotations

from initiatives.models import TaskState, Team
from initiatives.rules.exceptions import NotFound
from initiatives.transfer.plans import (
    ImportPlan,
    People,
    PlannedInitiative,
    PlannedTask,
    Skip,
    find_initiative,
    parse_mapping,
    read_rows,
    text_problem,
)

STATUS = {
    **dict.fromkeys(["", "todo", "to do", "backlog", "ready", "new"], TaskState.TODO),
    "in progress": TaskState.IN_PROGRESS,
    **dict.fromkeys(["in review", "review"], TaskState.IN_REVIEW),
    **dict.fromkeys(["done", "closed", "merged"], TaskState.DONE),
    **dict.fromkeys(["won't do", "wont do", "not planned"], TaskState.WONT_DO),
}


def parse(
    team: Team,
    text: str,
    *,
    initiative: str,
    state_field: str = "Status",
    status: list[str] = (),  # type: ignore[assignment]  # a tuple reads as an empty list
) -> ImportPlan:
    """The plan of importing ``text`` (a GitHub Projects CSV export) as tasks of the
    initiative ``initiative`` (``KEY-N``) of ``team``."""
    target = find_initiative(team, initiative)
    if target is None:
        raise NotFound(f"{team.key} has no initiative {initiative}.")
    state_map = {**STATUS, **parse_mapping(list(status), TaskState.values, "Status")}
    plan = ImportPlan(source="GitHub Projects", team=team)
    planned = PlannedInitiative(line=1, ref=target.key, existing=target)
    plan.initiatives.append(planned)
    people = People(team)
    for row in read_rows(text, ("Title", state_field), plan.skipped):
        title, value = row.get("Title"), row.get(state_field)
        url = row.get("URL")
        ref = repr(title[:60]) if title else "item"
        why = text_problem(title=title, external_url=url)
        if not title:
            why = "no title"
        elif not why and value.casefold() not in state_map:
            why = f"unknown {state_field} {value!r} (map it with --status '{value}=STATE')"
        if why:
            plan.skipped.append(Skip(row.line, ref, why))
            continue
        logins = [n.strip() for n in row.get("Assignees").split(",") if n.strip()]
        assignee = next((people.find(n) for n in logins if people.find(n)), None)
        if assignee is None and logins:
            plan.notes.append(
                f"line {row.line}: {ref} left unassigned: none of {', '.join(logins)} is a "
                "contributor of the team"
            )
        planned.tasks.append(
            PlannedTask(
                line=row.line,
                ref=ref,
                title=title,
                state=state_map[value.casefold()],
                assignee=assignee,
                external_url=url,
            )
        )
    return plan
