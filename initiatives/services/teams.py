"""Teams: creating one (administrators, in the Django admin), its settings (name, time zone,
weekly schedule) and its memberships (who is in it, with which role)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from initiatives.models import Membership, Role, Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import ValidationFailed
from initiatives.services.common import (
    apply_changes,
    display_name,
    field_labels,
    full_clean,
    record,
    reject_unknown,
    require_team_admin,
)

# What a team's EM may change; the key names the team's initiatives (``PLAT-12``) for good.
EDITABLE_FIELDS = (
    "name",
    "time_zone",
    "reminder_weekday",
    "reminder_time",
    "digest_weekday",
    "digest_time",
)


def team_create(*, actor: Any, key: str, name: str, **settings: Any) -> Team:
    """Create a team; only a superuser may (no team, hence no EM, exists to ask yet).
    ``settings`` are any of ``EDITABLE_FIELDS`` besides the name."""
    perms.require(
        bool(getattr(actor, "is_superuser", False)), "Only an administrator can create teams."
    )
    reject_unknown(settings, EDITABLE_FIELDS)
    team = Team(key=(key or "").strip().upper(), name=(name or "").strip(), **settings)
    full_clean(team)
    if Team.objects.filter(key=team.key).exists():
        raise ValidationFailed(fields={"key": [f"A team {team.key} exists already."]})
    with transaction.atomic():
        team.save()
        record(
            actor=actor,
            verb="team.created",
            summary=f"Created team {team.key} {team.name}",
            team_id=team.pk,
            target=team,
            after={"key": team.key, "name": team.name},
        )
    return team


def team_update(*, team: Team, actor: Any, changes: Mapping[str, Any]) -> Team:
    """Change the team's name, time zone or weekly schedule (the EM, or a superuser)."""
    reject_unknown(changes, EDITABLE_FIELDS)
    with transaction.atomic():
        require_team_admin(actor, team)
        locked = Team.objects.select_for_update().get(pk=team.pk)
        before, after = apply_changes(locked, changes)
        if not after:
            return locked
        full_clean(locked)
        # Only the changed columns: a whole-row save would write back the data version it
        # read (``Team.data_version`` is moved by ``record`` alone).
        locked.save(update_fields=list(after))
        record(
            actor=actor,
            verb="team.updated",
            summary=f"Changed {field_labels(Team, after)} of team {locked.key}",
            team_id=locked.pk,
            target=locked,
            before=before,
            after=after,
        )
    return locked


def membership_set(*, team: Team, actor: Any, user: Any, role: str) -> Membership:
    """Add ``user`` to ``team`` with ``role``, or change their role."""
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [f"Choose one of: {', '.join(Role.values)}."]})
    with transaction.atomic():
        require_team_admin(actor, team)
        membership, created = Membership.objects.select_for_update().get_or_create(
            team=team, user=user, defaults={"role": role}
        )
        before = {} if created else {"role": membership.role}
        if not created and membership.role == role:
            return membership
        membership.role = role
        membership.save()
        record(
            actor=actor,
            verb="team.member_added" if created else "team.role_changed",
            summary=f"{display_name(user)} is now {Role(role).label} in {team.key}",
            team_id=team.pk,
            target=membership,
            before=before,
            after={"user": user.pk, "role": role},
        )
    perms.forget_roles(user)
    return membership


def membership_remove(*, team: Team, actor: Any, user: Any) -> None:
    with transaction.atomic():
        require_team_admin(actor, team)
        membership = Membership.objects.filter(team=team, user=user).first()
        if membership is None:
            raise ValidationFailed(fields={"user": [f"{user} is not in {team.key}."]})
        record(
            actor=actor,
            verb="team.member_removed",
            summary=f"Removed {display_name(user)} from {team.key}",
            team_id=team.pk,
            before={"user": user.pk, "role": membership.role},
        )
        membership.delete()
    perms.forget_roles(user)
