"""The writes of single sign-on: a person's memberships in the teams the group mapping names
follow their groups at every sign-in (added, changed or removed), each change one audit event
by the identity provider (no actor)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from initiatives.models import Membership, Role, Team
from initiatives.rules import permissions as perms
from initiatives.services.common import record


def memberships_sync(*, user: Any, roles: dict[str, str], managed: set[str]) -> list[str]:
    """Give ``user`` exactly ``roles`` (team key -> role) among the ``managed`` teams (those
    the mapping names): memberships of other teams are left alone. Returns what changed."""
    changes: list[str] = []
    teams = {team.key: team for team in Team.objects.filter(key__in=managed)}
    with transaction.atomic():
        current = {
            m.team.key: m
            for m in Membership.objects.select_related("team").filter(
                user=user, team__in=teams.values()
            )
        }
        for key, team in sorted(teams.items()):
            role, membership = roles.get(key), current.get(key)
            if membership is not None and role == membership.role:
                continue
            if role is None and membership is not None:
                membership.delete()
                verb, summary = "team.member_removed", f"removed from {key}"
            elif role is not None and membership is None:
                Membership.objects.create(team=team, user=user, role=role)
                verb, summary = "team.member_added", f"is now {Role(role).label} in {key}"
            elif role is not None and membership is not None:
                old = membership.role
                membership.role = role
                membership.save(update_fields=["role"])
                verb = "team.role_changed"
                summary = f"is now {Role(role).label} in {key} (was {Role(old).label})"
            else:
                continue
            record(
                actor=None,
                verb=verb,
                summary=f"{user} {summary} (single sign-on groups)",
                team_id=team.pk,
                target=user,
                after={"user": user.pk, "role": role or "", "source": "oidc"},
            )
            changes.append(f"{key}:{role or '-'}")
    if changes:
        perms.forget_roles(user)
    return changes
