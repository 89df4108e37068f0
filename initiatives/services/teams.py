"""Team memberships (who is in a team, with which role)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from initiatives.models import Membership, Role, Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import ValidationFailed
from initiatives.services.common import record


def _require_team_admin(actor: Any, team: Team) -> None:
    if getattr(actor, "is_superuser", False):
        return
    who = perms.actor_for(actor, team)
    perms.ensure_member(who)
    perms.require(who.is_em, "Only an engineering manager can change the team's members.")


def membership_set(*, team: Team, actor: Any, user: Any, role: str) -> Membership:
    """Add ``user`` to ``team`` with ``role``, or change their role."""
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [f"Choose one of: {', '.join(Role.values)}."]})
    with transaction.atomic():
        _require_team_admin(actor, team)
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
            summary=f"{user} is now {Role(role).label} in {team.key}",
            team_id=team.pk,
            target=membership,
            before=before,
            after={"user": user.pk, "role": role},
        )
    perms.forget_roles(user)
    return membership


def membership_remove(*, team: Team, actor: Any, user: Any) -> None:
    with transaction.atomic():
        _require_team_admin(actor, team)
        membership = Membership.objects.filter(team=team, user=user).first()
        if membership is None:
            raise ValidationFailed(fields={"user": [f"{user} is not in {team.key}."]})
        record(
            actor=actor,
            verb="team.member_removed",
            summary=f"Removed {user} from {team.key}",
            team_id=team.pk,
            before={"user": user.pk, "role": membership.role},
        )
        membership.delete()
    perms.forget_roles(user)
