"""The export of a team: everything it holds, as JSON-ready data (``team_export``).

Rows carry their ``id`` in this installation so that references inside the file (a task's
milestone, an event's target) can be followed; people are named by username (with their email
and name, so an import can match or create them). A fixed number of queries whatever the size
of the team: one per table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model

from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Initiative,
    Membership,
    Milestone,
    MilestoneSlip,
    StatusUpdate,
    StatusUpdateRevision,
    Task,
    Team,
    TemplateItem,
)
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import NotFound
from initiatives.services.teams import EDITABLE_FIELDS as TEAM_SETTINGS

FORMAT = "shipshape-team-export"
VERSION = 1

User = get_user_model()

TEAM_FIELDS = ("key", *TEAM_SETTINGS, "created_at")
INITIATIVE_FIELDS = (
    "id",
    "number",
    "title",
    "summary",
    "design_doc_url",
    "target_date",
    "state",
    "paused_from",
    "security_risk",
    "security_risk_signed",
    "cancel_reason",
    "health",
    "last_update_week",
    "state_changed_at",
    "created_at",
    "updated_at",
)
MILESTONE_FIELDS = (
    "id",
    "title",
    "scope",
    "due_date",
    "original_due_date",
    "state",
    "position",
    "started_at",
    "completed_at",
    "created_at",
    "updated_at",
)
SLIP_FIELDS = ("id", "old_date", "new_date", "reason", "created_at")
TASK_FIELDS = (
    "id",
    "title",
    "state",
    "external_url",
    "scope_change",
    "closed_at",
    "created_at",
    "updated_at",
)
ITEM_FIELDS = (
    "id",
    "kind",
    "section",
    "section_position",
    "template_version",
    "text",
    "guidance",
    "required",
    "risk_scaled",
    "signoff_role",
    "evidence",
    "rule",
    "position",
    "status",
    "decided_by_name",
    "decided_at",
    "evidence_value",
    "note",
    "waiver_reason",
)
UPDATE_FIELDS = (
    "id",
    "week",
    "health",
    "progress",
    "risks",
    "next_week",
    "revision",
    "created_at",
    "updated_at",
)
REVISION_FIELDS = ("revision", "health", "progress", "risks", "next_week", "created_at")
TEMPLATE_ITEM_FIELDS = (
    "text",
    "guidance",
    "required",
    "risk_scaled",
    "signoff_role",
    "evidence",
    "rule",
    "position",
)
EVENT_FIELDS = (
    "id",
    "actor_name",
    "verb",
    "summary",
    "target_type",
    "target_id",
    "before",
    "after",
    "created_at",
    "prev_hash",
    "content_hash",
    "origin_hash",
)


# The lists each exported initiative carries.
RELATED = ("milestones", "tasks", "checklist_items", "status_updates")


def plain(value: Any) -> Any:
    """JSON-ready: dates and times as ISO 8601 (times in UTC), everything else as it is."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _row(obj: Model | dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    get = obj.get if isinstance(obj, dict) else lambda name: getattr(obj, name)
    return {name: plain(get(name)) for name in fields}


def team_export(team: Team, *, now: dt.datetime) -> dict[str, Any]:
    """The whole of ``team``: settings, people, its own checklist templates, initiatives with
    milestones and slips, tasks, checklists with decisions, weekly updates with revisions,
    and the activity log with its hash chain (oldest first)."""
    initiatives = list(
        Initiative.objects.filter(team=team)
        .select_related("dri")
        .prefetch_related("members", "stakeholders")
        .order_by("number")
    )
    ids = [i.pk for i in initiatives]
    milestones = list(Milestone.objects.filter(initiative_id__in=ids).order_by("pk"))
    slips = list(
        MilestoneSlip.objects.filter(milestone__initiative_id__in=ids)
        .select_related("actor")
        .order_by("pk")
    )
    tasks = list(
        Task.objects.filter(initiative_id__in=ids).select_related("assignee").order_by("pk")
    )
    items = list(
        ChecklistItem.objects.filter(initiative_id__in=ids)
        .select_related("decided_by")
        .order_by("pk")
    )
    updates = list(
        StatusUpdate.objects.filter(initiative_id__in=ids).select_related("author").order_by("pk")
    )
    revisions = list(
        StatusUpdateRevision.objects.filter(status_update__initiative_id__in=ids)
        .select_related("author")
        .order_by("pk")
    )
    events = list(ActivityEvent.objects.filter(team=team).select_related("actor").order_by("pk"))
    memberships = list(Membership.objects.filter(team=team).select_related("user").order_by("pk"))
    people: dict[int, Any] = {m.user_id: m.user for m in memberships}
    for obj, attr in [
        *((i, "dri") for i in initiatives),
        *((s, "actor") for s in slips),
        *((t, "assignee") for t in tasks),
        *((c, "decided_by") for c in items),
        *((u, "author") for u in updates),
        *((r, "author") for r in revisions),
        *((e, "actor") for e in events),
    ]:
        user = getattr(obj, attr)
        if user is not None:
            people[user.pk] = user
    for initiative in initiatives:
        for user in [*initiative.members.all(), *initiative.stakeholders.all()]:
            people[user.pk] = user
    history_ids = {pk for i in initiatives for pk in i.dri_history} - set(people)
    people.update(User.objects.in_bulk(list(history_ids)))

    def name(user_id: int | None) -> str | None:
        user = people.get(user_id) if user_id is not None else None
        return user.get_username() if user is not None else None

    by_initiative: dict[str, dict[int, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    slips_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for slip in slips:
        slips_of[slip.milestone_id].append(
            {**_row(slip, SLIP_FIELDS), "actor": name(slip.actor_id)}
        )
    for milestone in milestones:
        by_initiative["milestones"][milestone.initiative_id].append(
            {**_row(milestone, MILESTONE_FIELDS), "slips": slips_of[milestone.pk]}
        )
    for task in tasks:
        by_initiative["tasks"][task.initiative_id].append(
            {
                **_row(task, TASK_FIELDS),
                "milestone": task.milestone_id,
                "assignee": name(task.assignee_id),
            }
        )
    for item in items:
        by_initiative["checklist_items"][item.initiative_id].append(
            {**_row(item, ITEM_FIELDS), "decided_by": name(item.decided_by_id)}
        )
    revisions_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for revision in revisions:
        revisions_of[revision.status_update_id].append(
            {
                **_row(revision, REVISION_FIELDS),
                "milestone": revision.milestone_id_at_revision,
                "author": name(revision.author_id),
            }
        )
    for update in updates:
        by_initiative["status_updates"][update.initiative_id].append(
            {
                **_row(update, UPDATE_FIELDS),
                "milestone": update.milestone_id,
                "author": name(update.author_id),
                "revisions": revisions_of[update.pk],
            }
        )
    numbers = {i.pk: i.number for i in initiatives}
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": plain(now),
        "team": _row(team, TEAM_FIELDS),
        "users": [
            {
                "username": user.get_username(),
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
            }
            for user in sorted(people.values(), key=lambda u: u.get_username())
        ],
        "memberships": [
            {"user": name(m.user_id), "role": m.role, "created_at": plain(m.created_at)}
            for m in memberships
        ],
        "checklist_templates": _templates(team),
        "initiatives": [
            {
                **_row(initiative, INITIATIVE_FIELDS),
                "dri": name(initiative.dri_id),
                "dri_history": [name(pk) for pk in initiative.dri_history],
                "members": sorted(u.get_username() for u in initiative.members.all()),
                "stakeholders": sorted(u.get_username() for u in initiative.stakeholders.all()),
                **{kind: by_initiative[kind][initiative.pk] for kind in RELATED},
            }
            for initiative in initiatives
        ],
        "activity": [
            {
                **_row(event, EVENT_FIELDS),
                "initiative": numbers.get(event.initiative_id) if event.initiative_id else None,
                "actor": name(event.actor_id),
            }
            for event in events
        ],
    }


def _templates(team: Team) -> list[dict[str, Any]]:
    """The team's own checklist templates (the built-in defaults belong to every installation)."""
    templates = list(ChecklistTemplate.objects.filter(team=team).order_by("kind"))
    sections = list(
        ChecklistSection.objects.filter(template__in=templates).order_by("position", "pk")
    )
    items = list(TemplateItem.objects.filter(section__in=sections).order_by("position", "pk"))
    items_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        items_of[item.section_id].append(_row(item, TEMPLATE_ITEM_FIELDS))
    sections_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for section in sections:
        sections_of[section.template_id].append(
            {"title": section.title, "position": section.position, "items": items_of[section.pk]}
        )
    return [
        {"kind": t.kind, "version": t.version, "sections": sections_of[t.pk]} for t in templates
    ]


def exportable_team(user: Any, key: str) -> Team:
    """The team ``key`` for its export: NotFound for non-members, NotAllowed for anyone but
    its engineering managers (the export holds everything the team holds)."""
    team = Team.objects.filter(key=key.upper(), memberships__user=user).first()
    if team is None:
        raise NotFound(f"No team {key}.")
    perms.require(
        perms.actor_for(user, team).is_em, "Only an engineering manager can export the team."
    )
    return team
