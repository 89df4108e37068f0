"""Restoring a team from its export (``selectors.team_export``) into this installation: as
the same team in an installation that does not have it, or under a new key. Rows get new ids
and every reference is remapped; people are matched by username, then by email, and created
(without a usable password: they sign in through single sign-on or reset it) when missing.

The activity log is copied as it was — actors' names at the time, before/after values, times
— each event keeping the hash it had in the file (``origin_hash``: marked as imported), and
each chain is sealed again over the new ids (``audit.chain.seal``), so ``audit_verify``
checks the restored history from here on. Called by ``services.team_import`` inside its
transaction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model

from initiatives.audit.chain import seal
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
from initiatives.rules.exceptions import ValidationFailed
from initiatives.services.checklists import store_all_gate_progress
from initiatives.transfer.selectors import (
    FORMAT,
    INITIATIVE_FIELDS,
    ITEM_FIELDS,
    MILESTONE_FIELDS,
    REVISION_FIELDS,
    SLIP_FIELDS,
    TASK_FIELDS,
    TEAM_FIELDS,
    TEMPLATE_ITEM_FIELDS,
    UPDATE_FIELDS,
    VERSION,
)

User = get_user_model()

# Columns the database fills on insert (auto_now / auto_now_add): set again afterwards.
STAMPS = {
    Team: ["created_at"],
    Membership: ["created_at"],
    Initiative: ["state_changed_at", "created_at", "updated_at"],
    Milestone: ["created_at", "updated_at"],
    MilestoneSlip: ["created_at"],
    Task: ["created_at", "updated_at"],
    StatusUpdate: ["created_at", "updated_at"],
}


def check_format(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationFailed("This file is not a Shipshape team export.", code="not_an_export")
    if data.get("version") != VERSION:
        raise ValidationFailed(
            f"This export has format version {data.get('version')!r}; this installation "
            f"reads version {VERSION}.",
            code="export_version",
        )


def _values(row: Mapping[str, Any], fields: Iterable[str], *skip: str) -> dict[str, Any]:
    return {name: row[name] for name in fields if name not in ("id", *skip)}


class Restorer:
    """One restore: the id maps from the file's rows to the new ones, and the counts."""

    def __init__(self, data: dict[str, Any], key: str) -> None:
        self.data = data
        self.key = key
        self.users: dict[str, Any] = {}
        self.ids: dict[str, dict[int, int]] = {
            "initiative": {},
            "milestone": {},
            "task": {},
            "checklistitem": {},
            "statusupdate": {},
            "milestoneslip": {},
        }
        self.created: Counter[str] = Counter()
        self.notes: list[str] = []
        self.stamped: dict[type[Model], list[Model]] = {model: [] for model in STAMPS}

    def user(self, username: str | None) -> Any:
        return self.users.get(username) if username else None

    def user_id(self, username: str | None) -> int | None:
        user = self.user(username)
        return user.pk if user is not None else None

    def run(self) -> Team:
        self.match_users(self.data["users"])
        team = self.team(self.data["team"])
        self.templates(team, self.data.get("checklist_templates", []))
        for row in self.data["initiatives"]:
            self.initiative(team, row)
        self.activity(team, self.data.get("activity", []))
        # New initiatives are numbered after the restored ones.
        numbers = [int(row["number"]) for row in self.data["initiatives"]]
        Team.objects.filter(pk=team.pk).update(next_number=max(numbers, default=0) + 1)
        for model, objs in self.stamped.items():
            if objs:
                model._default_manager.bulk_update(objs, STAMPS[model], batch_size=500)
        store_all_gate_progress(list(self.ids["initiative"].values()))
        return team

    def stamp(self, obj: Model, row: Mapping[str, Any]) -> None:
        for name in STAMPS[type(obj)]:
            setattr(obj, name, _datetime(row.get(name)) or getattr(obj, name))
        self.stamped[type(obj)].append(obj)

    # --- people -------------------------------------------------------------------------------

    def match_users(self, rows: list[dict[str, Any]]) -> None:
        """Each person of the file: the user with that username, else the one user with that
        email, else a new one."""
        for row in rows:
            username = str(row["username"])
            email = str(row.get("email") or "")
            user = User.objects.filter(username=username).first()
            if user is None and email:
                matches = list(User.objects.filter(email__iexact=email)[:2])
                if len(matches) == 1:
                    user = matches[0]
                    self.notes.append(f"{username} matched by email to {user.get_username()}")
            if user is None:
                user = User(
                    username=username,
                    email=email,
                    first_name=str(row.get("first_name") or ""),
                    last_name=str(row.get("last_name") or ""),
                )
                user.set_unusable_password()
                user.full_clean(exclude=["password"])
                user.save()
                self.created["users"] += 1
            self.users[username] = user

    # --- the team -----------------------------------------------------------------------------

    def team(self, row: dict[str, Any]) -> Team:
        values = _values(row, TEAM_FIELDS, "key", "created_at")
        team = Team(key=self.key, **values)
        team.full_clean()
        team.save()
        self.stamp(team, row)
        for membership in self.data.get("memberships", []):
            m = Membership.objects.create(
                team=team, user=self.user(membership["user"]), role=membership["role"]
            )
            self.stamp(m, membership)
        self.created["memberships"] += len(self.data.get("memberships", []))
        return team

    def templates(self, team: Team, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            template = ChecklistTemplate.objects.create(
                team=team, kind=row["kind"], version=row["version"]
            )
            for section_row in row["sections"]:
                section = ChecklistSection.objects.create(
                    template=template, title=section_row["title"], position=section_row["position"]
                )
                TemplateItem.objects.bulk_create(
                    TemplateItem(section=section, **_values(item, TEMPLATE_ITEM_FIELDS))
                    for item in section_row["items"]
                )
            self.created["checklist templates"] += 1

    # --- initiatives and what they hold -------------------------------------------------------

    def initiative(self, team: Team, row: dict[str, Any]) -> None:
        initiative = Initiative(
            team=team,
            dri=self.user(row["dri"]),
            dri_history=[self.user_id(name) for name in row.get("dri_history", []) if name],
            **_values(row, INITIATIVE_FIELDS, "state_changed_at", "created_at", "updated_at"),
        )
        initiative.rank = initiative.number  # the priority order is not in the file: by number
        initiative.full_clean(exclude=["team", "dri"], validate_unique=False)
        initiative.save()
        self.stamp(initiative, row)
        self.ids["initiative"][row["id"]] = initiative.pk
        initiative.members.set([self.user(name) for name in row.get("members", [])])
        initiative.stakeholders.set([self.user(name) for name in row.get("stakeholders", [])])
        self.created["initiatives"] += 1
        for milestone_row in row.get("milestones", []):
            self.milestone(initiative, milestone_row)
        milestones = self.ids["milestone"]
        for task_row in row.get("tasks", []):
            task = Task(
                initiative=initiative,
                milestone_id=milestones.get(task_row["milestone"])
                if task_row["milestone"]
                else None,
                assignee=self.user(task_row["assignee"]),
                **_values(task_row, TASK_FIELDS, "created_at", "updated_at"),
            )
            task.full_clean(exclude=["initiative", "milestone", "assignee"])
            task.save()
            self.stamp(task, task_row)
            self.ids["task"][task_row["id"]] = task.pk
        self.created["tasks"] += len(row.get("tasks", []))
        items = []
        for item_row in row.get("checklist_items", []):
            item = ChecklistItem(
                initiative=initiative,
                decided_by=self.user(item_row["decided_by"]),
                **_values(item_row, ITEM_FIELDS),
            )
            item.full_clean(exclude=["initiative", "decided_by"])
            items.append((item_row["id"], item))
        ChecklistItem.objects.bulk_create([item for _, item in items])
        self.ids["checklistitem"].update({old: item.pk for old, item in items})
        self.created["checklist items"] += len(items)
        for update_row in row.get("status_updates", []):
            self.status_update(initiative, update_row)

    def milestone(self, initiative: Initiative, row: dict[str, Any]) -> None:
        milestone = Milestone(
            initiative=initiative, **_values(row, MILESTONE_FIELDS, "created_at", "updated_at")
        )
        milestone.full_clean(exclude=["initiative"])
        milestone.save()
        self.stamp(milestone, row)
        self.ids["milestone"][row["id"]] = milestone.pk
        self.created["milestones"] += 1
        for slip_row in row.get("slips", []):
            slip = MilestoneSlip.objects.create(
                milestone=milestone,
                actor=self.user(slip_row["actor"]),
                **_values(slip_row, SLIP_FIELDS, "created_at"),
            )
            self.stamp(slip, slip_row)
            self.ids["milestoneslip"][slip_row["id"]] = slip.pk
            self.created["slips"] += 1

    def status_update(self, initiative: Initiative, row: dict[str, Any]) -> None:
        milestones = self.ids["milestone"]
        update = StatusUpdate(
            initiative=initiative,
            milestone_id=milestones.get(row["milestone"]) if row["milestone"] else None,
            author=self.user(row["author"]),
            **_values(row, UPDATE_FIELDS, "created_at", "updated_at"),
        )
        update.full_clean(exclude=["initiative", "milestone", "author"], validate_constraints=False)
        update.save()
        self.stamp(update, row)
        self.ids["statusupdate"][row["id"]] = update.pk
        self.created["weekly updates"] += 1
        StatusUpdateRevision.objects.bulk_create(
            StatusUpdateRevision(
                status_update=update,
                milestone_id_at_revision=milestones.get(rev["milestone"])
                if rev["milestone"]
                else None,
                author=self.user(rev["author"]),
                **{**_values(rev, REVISION_FIELDS), "created_at": _datetime(rev["created_at"])},
            )
            for rev in row.get("revisions", [])
        )

    # --- the activity log ---------------------------------------------------------------------

    def activity(self, team: Team, rows: list[dict[str, Any]]) -> None:
        """The events in the file's order (its chain order), with new references, each chain
        sealed again; the hash each had in the file is kept as ``origin_hash``."""
        numbers = {
            number: pk
            for number, pk in Initiative.objects.filter(team=team).values_list("number", "pk")
        }
        heads: dict[tuple[int | None, int | None], str] = {}
        events = []
        for row in rows:
            target_type = row.get("target_type") or ""
            target_id = row.get("target_id")
            if target_type == "team":
                target_id = team.pk
            elif target_id is not None:
                target_id = self.ids.get(target_type, {}).get(target_id, target_id)
            event = ActivityEvent(
                team=team,
                initiative_id=numbers[row["initiative"]] if row.get("initiative") else None,
                actor_id=self.user_id(row.get("actor")),
                actor_name=row["actor_name"],
                verb=row["verb"],
                summary=row["summary"],
                target_type=target_type,
                target_id=target_id,
                before=row.get("before") or {},
                after=row.get("after") or {},
                created_at=dt.datetime.fromisoformat(str(row["created_at"])),
                origin_hash=row.get("content_hash") or "",
            )
            chain = (event.initiative_id, None if event.initiative_id else team.pk)
            seal(event, heads.get(chain))
            heads[chain] = event.content_hash
            events.append(event)
        ActivityEvent.objects.bulk_create(events, batch_size=500)
        self.created["activity events"] += len(events)


def _datetime(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    return dt.datetime.fromisoformat(str(value))
