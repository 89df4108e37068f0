"""The weekly status update: one per initiative per ISO week in the team's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from initiatives.compiled import CompiledRead
from initiatives.models import Initiative, Milestone, State, StatusUpdate, StatusUpdateRevision
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import Conflict, ValidationFailed
from initiatives.rules.workflow import iso_week, update_errors, weeks_between
from initiatives.services.common import (
    check_text,
    ensure_writable,
    lock_initiative,
    lock_initiative_as,
    member_actor,
    record,
)

# How far back an update may be filed (late posts for last week are common on Mondays).
BACKFILL_WEEKS = 1


def current_week(initiative_or_team: Any, now: dt.datetime | None = None) -> str:
    """The ISO week of ``now`` in the team's time zone."""
    team = getattr(initiative_or_team, "team", initiative_or_team)
    return iso_week(timezone.localtime(now or timezone.now(), team.tz).date())


# Built once per process (initiatives.compiled): every update posted reads it, locked.
_WEEKS_UPDATE_LOCKED: CompiledRead[StatusUpdate] = CompiledRead(
    lambda initiative_id, week: (
        StatusUpdate.objects.select_for_update()
        .filter(initiative_id=initiative_id, week=week)
        .order_by()[:1]
    ),
    initiative_id=int,
    week=str,
)


def status_update_post(
    *,
    initiative: Initiative | str,
    actor: Any,
    health: str,
    progress: str = "",
    risks: str = "",
    next_week: str = "",
    milestone: Milestone | None = None,
    week: str | None = None,
    now: dt.datetime | None = None,
    via: str = "",
) -> StatusUpdate:
    """Post this week's update, or revise it if one exists (the earlier text is kept).
    ``initiative``: the row, or (the API) its key, read once, locked, with the caller's role.
    ``via``: the chat it came from, recorded on the audit event (``common.record``)."""
    check_text(progress=progress, risks=risks, next_week=next_week)
    refusal = "Only the DRI or an engineering manager can post this initiative's update."
    if isinstance(initiative, Initiative):
        # Refused before anything is locked (the pages and chat read the caller's role with
        # the initiative); checked again on the locked row.
        perms.require(perms.can_post_update(member_actor(actor, initiative), initiative), refusal)
    with transaction.atomic():
        if isinstance(initiative, Initiative):
            locked = lock_initiative(initiative)
        else:  # a key (the API): the row and the caller's role read once, locked
            missing = f"No initiative {initiative}."
            locked = lock_initiative_as(actor, missing, key=initiative)
        who = member_actor(actor, locked)
        perms.require(perms.can_post_update(who, locked), refusal)
        ensure_writable(locked)
        if locked.state == State.DONE:
            raise Conflict("A finished initiative needs no more weekly updates.", code="read_only")
        this_week = current_week(locked, now)
        week = week or this_week
        try:
            weeks_ago: int | None = weeks_between(week, this_week)
        except ValidationFailed:  # not a week at all (2025-W53, 0000-W01)
            weeks_ago = None
        if weeks_ago is None or not 0 <= weeks_ago <= BACKFILL_WEEKS:
            message = f"Post for this week ({this_week}) or last week only."
            raise ValidationFailed(message, fields={"week": [message]}, code="week_not_open")
        progress, risks, next_week = (
            (progress or "").strip(),
            (risks or "").strip(),
            (next_week or "").strip(),
        )
        errors = update_errors(health=health, risks=risks)
        if milestone is not None and milestone.initiative_id != locked.pk:
            errors["milestone"] = ["That milestone belongs to another initiative."]
        if errors:
            raise ValidationFailed(
                "The update is incomplete.", fields=errors, code="update_incomplete"
            )

        found = _WEEKS_UPDATE_LOCKED.rows(initiative_id=locked.pk, week=week)
        existing = found[0] if found else None
        fields = {
            "health": health,
            "milestone": milestone,
            "progress": progress,
            "risks": risks,
            "next_week": next_week,
            "author": actor,
        }
        if existing:
            existing.initiative = locked  # the row read above, not a second read
            StatusUpdateRevision.objects.create(
                status_update=existing,
                revision=existing.revision,
                health=existing.health,
                milestone_id_at_revision=existing.milestone_id,
                progress=existing.progress,
                risks=existing.risks,
                next_week=existing.next_week,
                author_id=existing.author_id,
                created_at=existing.updated_at,
            )
            before = {"health": existing.health, "revision": existing.revision}
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.revision += 1
            existing.save(update_fields=[*fields, "revision", "updated_at"])
            update, verb, what = existing, "status_update.revised", "Revised"
        else:
            before = {"health": locked.health}
            update = StatusUpdate.objects.create(initiative=locked, week=week, **fields)
            verb, what = "status_update.posted", "Posted"
        if week >= locked.last_update_week:
            locked.health, locked.last_update_week = health, week
            locked.save(update_fields=["health", "last_update_week", "updated_at"])
        record(
            actor=actor,
            verb=verb,
            summary=f"{what} the {week} update of {locked.key}: {update.get_health_display()}",
            initiative=locked,
            target=update,
            before=before,
            after={"health": health, "week": week, "revision": update.revision},
            via=via,
        )
    return update
