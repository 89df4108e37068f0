"""Checklist templates: a team's own copy of the built-in Definition of Ready or Done, and the
edits of its sections and items.

Every edit is atomic, made by the team's EM (or a superuser, in the Django admin), raises the
template's version and records one audit event. Initiatives keep the snapshot they were
created with (``checklists.snapshot_checklists``). The built-in defaults (no team) are the
data of migration 0002 and are not edited: a team customises its own copy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from initiatives.models import ChecklistSection, ChecklistTemplate, Team, TemplateItem
from initiatives.rules.checklists import SNAPSHOT_FIELDS
from initiatives.rules.exceptions import Conflict, ValidationFailed
from initiatives.services.common import (
    apply_changes,
    check_text,
    full_clean,
    record,
    reject_unknown,
    require_team_admin,
)

SECTION_FIELDS = ("title", "position")
ITEM_FIELDS = SNAPSHOT_FIELDS


@transaction.atomic
def template_copy_default(*, team: Team, kind: str, actor: Any) -> ChecklistTemplate:
    """Give ``team`` its own editable copy of the built-in template of ``kind`` (or return
    the copy it has)."""
    require_team_admin(actor, team)
    default = ChecklistTemplate.objects.prefetch_related("sections__items").get(
        team__isnull=True, kind=kind
    )
    template, created = ChecklistTemplate.objects.get_or_create(team=team, kind=kind)
    if not created:
        return template
    for section in default.sections.all():
        copy = template.sections.create(title=section.title, position=section.position)
        TemplateItem.objects.bulk_create(
            TemplateItem(section=copy, **{name: getattr(spec, name) for name in SNAPSHOT_FIELDS})
            for spec in section.items.all()
        )
    record(
        actor=actor,
        verb="template.created",
        summary=f"Created {team.key}'s own {template.get_kind_display()} from the default",
        team_id=team.pk,
        target=template,
        after={"kind": kind, "version": template.version},
    )
    return template


def _lock_for_edit(template_id: int, actor: Any) -> ChecklistTemplate:
    template = (
        ChecklistTemplate.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=template_id)
    )
    if template.team is None:
        raise Conflict(
            "The built-in default template is read-only; give the team its own copy to edit.",
            code="read_only",
        )
    require_team_admin(actor, template.team)
    return template


def _revised(
    template: ChecklistTemplate,
    actor: Any,
    what: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    """A new version of ``template`` and the audit event of the edit that made it."""
    template.version += 1
    template.save(update_fields=["version", "updated_at"])
    record(
        actor=actor,
        verb="template.edited",
        summary=f"{what} in {template}",
        team_id=template.team_id,
        target=template,
        before=before,
        after={**after, "version": template.version},
    )


def template_section_add(
    *, template: ChecklistTemplate, actor: Any, title: str, position: int = 0
) -> ChecklistSection:
    with transaction.atomic():
        locked = _lock_for_edit(template.pk, actor)
        section = ChecklistSection(template=locked, title=(title or "").strip(), position=position)
        full_clean(section)
        section.save()
        _revised(locked, actor, f"Added section “{section.title}”", {}, {"section": section.title})
    return section


def template_section_update(
    *, section: ChecklistSection, actor: Any, changes: Mapping[str, Any]
) -> ChecklistSection:
    reject_unknown(changes, SECTION_FIELDS)
    with transaction.atomic():
        locked = _lock_for_edit(section.template_id, actor)
        row = ChecklistSection.objects.get(pk=section.pk)
        before, after = apply_changes(row, changes)
        full_clean(row)
        if after:
            row.save()
            _revised(locked, actor, f"Edited section “{row.title}”", before, after)
    return row


def template_section_remove(*, section: ChecklistSection, actor: Any) -> None:
    """Remove a section and its items."""
    with transaction.atomic():
        locked = _lock_for_edit(section.template_id, actor)
        if locked.sections.count() == 1:
            raise ValidationFailed(fields={"section": ["A template keeps at least one section."]})
        ChecklistSection.objects.filter(pk=section.pk).delete()
        _revised(
            locked, actor, f"Removed section “{section.title}”", {"section": section.title}, {}
        )


def template_item_add(
    *, section: ChecklistSection, actor: Any, fields: Mapping[str, Any]
) -> TemplateItem:
    """Add an item to ``section``; ``fields`` are any of ``ITEM_FIELDS`` (``text`` needed)."""
    reject_unknown(fields, ITEM_FIELDS)
    check_text(**fields)
    with transaction.atomic():
        locked = _lock_for_edit(section.template_id, actor)
        item = TemplateItem(section=section, **fields)
        full_clean(item)
        item.save()
        _revised(locked, actor, f"Added item “{item.text}”", {}, {"item": item.text})
    return item


def template_item_update(
    *, item: TemplateItem, actor: Any, changes: Mapping[str, Any]
) -> TemplateItem:
    reject_unknown(changes, ITEM_FIELDS)
    check_text(**changes)
    with transaction.atomic():
        row = TemplateItem.objects.select_related("section").get(pk=item.pk)
        locked = _lock_for_edit(row.section.template_id, actor)
        before, after = apply_changes(row, changes)
        full_clean(row)
        if after:
            row.save()
            _revised(locked, actor, f"Edited item “{row.text}”", before, after)
    return row


def template_item_remove(*, item: TemplateItem, actor: Any) -> None:
    with transaction.atomic():
        section = ChecklistSection.objects.get(pk=item.section_id)
        locked = _lock_for_edit(section.template_id, actor)
        TemplateItem.objects.filter(pk=item.pk).delete()
        _revised(locked, actor, f"Removed item “{item.text}”", {"item": item.text}, {})
