"""Writes of checklists: the gate progress stored on each initiative and the snapshot of the
team's templates into a new initiative (template edits: ``services.templates``)."""

from __future__ import annotations

from collections.abc import Iterable

from initiatives.models import ChecklistItem, ChecklistKind, Initiative
from initiatives.rules.checklists import (
    SNAPSHOT_FIELDS,
    STORED_FIELDS,
    Facts,
    GateItem,
    ItemRow,
    progress_values,
    task_count_values,
)
from initiatives.selectors.checklists import facts_for, load_for_evaluation, template_for


def store_gate_progress(
    initiative: Initiative,
    *,
    facts: Facts | None = None,
    items: Iterable[GateItem] | None = None,
) -> None:
    """Evaluate both gates of ``initiative`` and store their progress on its row, with its
    task counts (from the same facts), in three queries; fewer when the caller has fresh
    ``facts`` or ``items``. Services call it after every write that can change a gate:
    checklist decisions, the design doc or security risk, stakeholders, milestones created or
    cancelled, tasks created or opened/closed (tasks are never deleted)."""
    facts = facts if facts is not None else facts_for(initiative)
    if items is None:
        rows = ChecklistItem.objects.filter(initiative=initiative.pk).values_list(*ItemRow.FIELDS)
        items = [ItemRow(*row) for row in rows]
    values = {**progress_values(items, facts), **task_count_values(facts)}
    Initiative.objects.filter(pk=initiative.pk).update(**values)
    for name, value in values.items():
        setattr(initiative, name, value)


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
            Initiative(
                pk=pk,
                **progress_values(items[pk], facts[pk]),
                **task_count_values(facts[pk]),
            )
            for pk in chunk
            if pk in facts
        ]
        Initiative.objects.bulk_update(updated, STORED_FIELDS)
    return len(ids)


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
