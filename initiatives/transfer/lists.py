"""The CSV of every list the web shows: a team's initiatives (the board and table, with the
page's filters and order), and an initiative's tasks, weekly updates and date changes. Each is
a header and rows of text, read in one or two queries whatever the size of the list; cells
that a spreadsheet would run as a formula are quoted (``safe_cell``); times are in the
viewer's time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from initiatives.models import Initiative, MilestoneSlip, StatusUpdate, Task, Team
from initiatives.rules.dates import PLANNING, PULL_IN, SLIP, change_kind
from initiatives.selectors.pages import BoardFilters, board_ordering, board_queryset

Table = tuple[list[str], Iterator[list[str]]]

KIND_LABELS = {SLIP: "slip", PULL_IN: "pull-in", PLANNING: "planning"}


def safe_cell(value: Any) -> str:
    """A value as CSV text: dates in ISO 8601, booleans as yes/no, and a leading ``=``,
    ``+``, ``-`` or ``@`` quoted with ``'`` so that spreadsheets do not evaluate it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        value = value.isoformat(timespec="minutes")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _rows(values: Iterable[list[Any]]) -> Iterator[list[str]]:
    return ([safe_cell(v) for v in row] for row in values)


def _local(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    return value.astimezone(tz) if value is not None else None


def initiatives_csv(team: Team, filters: BoardFilters, tz: dt.tzinfo) -> Table:
    """Every initiative of the board or table that ``filters`` select, in the table's order
    (one query)."""
    queryset = (
        board_queryset(team, filters).select_related("dri").order_by(*board_ordering(filters.sort))
    )
    header = [
        "Key", "Title", "State", "Health", "DRI", "Target date", "Last update",
        "DoR items met", "DoR items required", "DoD items met", "DoD items required",
        "Updated",
    ]  # fmt: skip
    rows = (
        [
            f"{team.key}-{i.number}",
            i.title,
            i.get_state_display(),
            i.get_health_display() if i.health else "",
            _name(i.dri),
            i.target_date,
            i.last_update_week,
            i.dor_satisfied,
            i.dor_required,
            i.dod_satisfied,
            i.dod_required,
            _local(i.updated_at, tz),
        ]
        for i in queryset.iterator(chunk_size=500)
    )
    return header, _rows(rows)


def tasks_csv(initiative: Initiative, tz: dt.tzinfo) -> Table:
    """The initiative's tasks as its page lists them (one query)."""
    tasks = (
        Task.objects.filter(initiative=initiative)
        .select_related("assignee", "milestone")
        .order_by("created_at", "pk")
    )
    header = [
        "Title",
        "State",
        "Assignee",
        "Milestone",
        "Link",
        "Scope change",
        "Created",
        "Closed",
    ]
    rows = (
        [
            t.title,
            t.get_state_display(),
            _name(t.assignee),
            t.milestone.title if t.milestone else "",
            t.external_url,
            t.scope_change,
            _local(t.created_at, tz),
            _local(t.closed_at, tz),
        ]
        for t in tasks
    )
    return header, _rows(rows)


def updates_csv(initiative: Initiative, tz: dt.tzinfo) -> Table:
    """Every weekly update of the initiative, newest week first (one query)."""
    updates = (
        StatusUpdate.objects.filter(initiative=initiative)
        .select_related("author", "milestone")
        .order_by("-week")
    )
    header = [
        "Week", "Health", "Milestone", "Progress", "Risks", "Next week", "Author",
        "Revision", "Updated",
    ]  # fmt: skip
    rows = (
        [
            u.week,
            u.get_health_display(),
            u.milestone.title if u.milestone else "",
            u.progress,
            u.risks,
            u.next_week,
            _name(u.author),
            u.revision,
            _local(u.updated_at, tz),
        ]
        for u in updates
    )
    return header, _rows(rows)


def slips_csv(initiative: Initiative, tz: dt.tzinfo) -> Table:
    """Every change of a delivery date of the initiative's milestones, with its kind (a slip,
    a pull-in or planning: ``rules.dates.change_kind``) (one query)."""
    slips = (
        MilestoneSlip.objects.filter(milestone__initiative=initiative)
        .select_related("milestone", "actor")
        .order_by("milestone__due_date", "milestone_id", "created_at", "pk")
    )
    header = ["Milestone", "From", "To", "Days", "Kind", "Reason", "By", "When"]
    rows = (
        [
            s.milestone.title,
            s.old_date,
            s.new_date,
            s.days,
            KIND_LABELS[
                change_kind(
                    old=s.old_date,
                    new=s.new_date,
                    changed_at=s.created_at,
                    started_at=s.milestone.started_at,
                )
            ],
            s.reason,
            _name(s.actor),
            _local(s.created_at, tz),
        ]
        for s in slips
    )
    return header, _rows(rows)
