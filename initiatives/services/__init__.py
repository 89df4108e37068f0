"""Every write in Shipshape: atomic, permission-checked, audited. Web views, the API, the
admin and Celery tasks call these and nothing else to change data. Imports ``models``,
``rules``, ``selectors`` and ``outbox``; never ``api``, ``web`` or a subscriber such as
``webhooks`` (side effects go through ``services.publish``)."""

from initiatives.services.checklist_items import (
    checklist_item_reopen,
    checklist_item_tick,
    checklist_item_waive,
)
from initiatives.services.initiatives import (
    initiative_create,
    initiative_person_add,
    initiative_person_remove,
    initiative_transition,
    initiative_update,
)
from initiatives.services.milestones import milestone_create, milestone_transition, milestone_update
from initiatives.services.tasks import task_create, task_update
from initiatives.services.teams import membership_remove, membership_set, team_create, team_update
from initiatives.services.templates import (
    template_copy_default,
    template_item_add,
    template_item_remove,
    template_item_update,
    template_section_add,
    template_section_remove,
    template_section_update,
)
from initiatives.services.updates import current_week, status_update_post

__all__ = [
    "checklist_item_reopen",
    "checklist_item_tick",
    "checklist_item_waive",
    "current_week",
    "initiative_create",
    "initiative_person_add",
    "initiative_person_remove",
    "initiative_transition",
    "initiative_update",
    "membership_remove",
    "membership_set",
    "milestone_create",
    "milestone_transition",
    "milestone_update",
    "status_update_post",
    "task_create",
    "task_update",
    "team_create",
    "team_update",
    "template_copy_default",
    "template_item_add",
    "template_item_remove",
    "template_item_update",
    "template_section_add",
    "template_section_remove",
    "template_section_update",
]
