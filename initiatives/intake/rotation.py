"""Intake's settings writes: the triage slot, who may ask, the on-call rotation and its
overrides. Each is atomic, manager-checked (a person may cover a shift themselves) and
records exactly one audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from initiatives.intake import rules
from initiatives.intake.models import IntakeSettings, OnCallOverride, RotationMember
from initiatives.intake.schedule import shift_week_of
from initiatives.models import Team, Weekday
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import ValidationFailed
from initiatives.rules.workflow import parse_iso_week
from initiatives.services.common import check_text, ensure_team_member, record

# --- Settings and the rotation ---------------------------------------------------------------


def require_manager(actor: Any, team: Team) -> perms.Actor:
    if getattr(actor, "is_superuser", False):
        return perms.actor_for(actor, team)
    who = perms.actor_for(actor, team)
    perms.ensure_member(who)
    perms.require(
        rules.can_manage_intake(who),
        "Only an engineering or product manager can change the team's intake settings.",
    )
    return who


def _weekday(value: Any, field: str) -> int:
    if value not in Weekday.values:
        raise ValidationFailed(fields={field: ["A weekday from 0 (Monday) to 6 (Sunday)."]})
    return int(value)


def rotation_set(
    *,
    team: Team,
    actor: Any,
    members: list[Any],
    handover_weekday: int | None = None,
    handover_time: dt.time | None = None,
    starts_on: dt.date | None = None,
    triage_weekday: int | None = None,
    triage_time: dt.time | None = None,
    open_to_all: bool | None = None,
    now: dt.datetime | None = None,
) -> IntakeSettings:
    """Replace the rotation (members in order) and change the hand-over, the triage slot or
    who may ask. Without ``starts_on`` the first member is on call from the current shift."""
    require_manager(actor, team)
    if len({m.pk for m in members}) != len(members):
        raise ValidationFailed(fields={"members": ["Each person appears once."]})
    if len(members) > 100:
        raise ValidationFailed(fields={"members": ["At most 100 people."]})
    for user in members:
        ensure_team_member(user, team.pk, "members", allow_viewer=False)
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        settings, _ = IntakeSettings.objects.get_or_create(team=team)
        settings.team = team
        before = _settings_dict(settings, list(RotationMember.objects.filter(team=team)))
        if handover_weekday is not None:
            settings.handover_weekday = _weekday(handover_weekday, "handover_weekday")
        if handover_time is not None:
            settings.handover_time = handover_time
        if triage_weekday is not None:
            settings.triage_weekday = _weekday(triage_weekday, "triage_weekday")
        if triage_time is not None:
            settings.triage_time = triage_time
        if open_to_all is not None:
            settings.open_to_all = bool(open_to_all)
        if starts_on is not None:
            settings.rotation_start = starts_on - dt.timedelta(days=starts_on.weekday())
        elif [m.pk for m in members] != before["members"] or settings.rotation_start is None:
            week = shift_week_of(settings, now or timezone.now())
            settings.rotation_start = parse_iso_week(week)
        settings.save()
        RotationMember.objects.filter(team=team).delete()
        rows = RotationMember.objects.bulk_create(
            RotationMember(team=team, user=user, position=i) for i, user in enumerate(members)
        )
        after = _settings_dict(settings, rows)
        record(
            actor=actor,
            verb="intake.rotation_set",
            summary=f"Set the on-call rotation of {team.key} ({len(members)} people)",
            team_id=team.pk,
            before=before,
            after=after,
        )
    return settings


def _settings_dict(settings: IntakeSettings, members: list[RotationMember]) -> dict[str, Any]:
    return {
        "members": [m.user_id for m in sorted(members, key=lambda m: m.position)],
        "handover_weekday": settings.handover_weekday,
        "handover_time": settings.handover_time.isoformat(timespec="minutes"),
        "rotation_start": settings.rotation_start,
        "triage_weekday": settings.triage_weekday,
        "triage_time": settings.triage_time.isoformat(timespec="minutes"),
        "open_to_all": settings.open_to_all,
    }


def override_add(
    *,
    team: Team,
    actor: Any,
    user: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str = "",
) -> OnCallOverride:
    """Someone covers the rotation for a while (a swap, a holiday): a manager, or the person
    who steps in themselves."""
    check_text(reason=reason)
    who = perms.actor_for(actor, team)
    perms.ensure_member(who)
    if user.pk != actor.pk:
        perms.require(
            rules.can_manage_intake(who),
            "Only a manager can put someone else on call; you may cover a shift yourself.",
        )
    perms.require(who.is_contributor, "Viewers cannot go on call.")
    ensure_team_member(user, team.pk, "user", allow_viewer=False)
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": ["The end comes after the start."]})
    if ends_at - starts_at > dt.timedelta(days=60):
        raise ValidationFailed(fields={"ends_at": ["At most 60 days at a time."]})
    if ends_at <= timezone.now():
        raise ValidationFailed(fields={"ends_at": ["This override would already be over."]})
    with transaction.atomic():
        override = OnCallOverride.objects.create(
            team=team,
            user=user,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=(reason or "")[:200],
            created_by=actor,
        )
        record(
            actor=actor,
            verb="intake.override_added",
            summary=f"{user.get_full_name() or user.get_username()} on call for {team.key} "
            f"from {starts_at:%Y-%m-%d %H:%M} to {ends_at:%Y-%m-%d %H:%M}",
            team_id=team.pk,
            target=override,
            after={"user": user.pk, "starts_at": starts_at, "ends_at": ends_at, "reason": reason},
        )
    return override


def override_remove(*, override: OnCallOverride, actor: Any) -> None:
    who = perms.actor_for(actor, override.team_id)
    perms.ensure_member(who)
    if override.created_by_id != actor.pk and override.user_id != actor.pk:
        perms.require(rules.can_manage_intake(who), "Only a manager can remove this override.")
    with transaction.atomic():
        record(
            actor=actor,
            verb="intake.override_removed",
            summary=f"Removed an on-call override of {override.team}",
            team_id=override.team_id,
            target=override,
            before={"user": override.user_id, "starts_at": override.starts_at},
        )
        override.delete()
