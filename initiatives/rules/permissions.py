"""Who may do what. Services call these before every write; views and the API call them
only to decide which actions to offer. Each rule is written once, here.

An ``Actor`` is the user plus their role in the initiative's team, looked up once per request
(``actor_for``) so that rendering a page of buttons costs no query per button.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from initiatives.models import (
    ChecklistItem,
    Initiative,
    ItemStatus,
    Membership,
    Role,
    SignoffRole,
    Team,
)
from initiatives.rules.checklists import is_lowering
from initiatives.rules.exceptions import NotAllowed, NotFound
from initiatives.rules.workflow import passed_gates

# Roles that may change anything in a team; viewers only read.
CONTRIBUTOR_ROLES = frozenset({Role.ENGINEER, Role.EM, Role.PM, Role.SECURITY, Role.LEGAL})
MANAGER_ROLES = frozenset({Role.EM, Role.PM})
# The sign-offs a team role gives (stakeholder sign-offs come from being listed instead).
SIGNOFF_ROLES_OF: dict[str, frozenset[str]] = {
    Role.SECURITY: frozenset({SignoffRole.SECURITY}),
    Role.LEGAL: frozenset({SignoffRole.LEGAL}),
    Role.EM: frozenset({SignoffRole.EM}),
}


def is_contributor(role: str | None) -> bool:
    """A member who may change things in the team (everyone but viewers and non-members)."""
    return role in CONTRIBUTOR_ROLES


def may_sign_off(
    *, role: str | None, signoff_role: str, is_dri: bool, is_stakeholder: bool
) -> bool:
    """Whether someone with team ``role`` may give a sign-off of kind ``signoff_role`` on an
    initiative (``is_dri``: they own it; ``is_stakeholder``: they are listed on it). The one
    rule behind ticking a sign-off and behind every "waiting for your sign-off" list."""
    if is_dri or not signoff_role:
        return False
    if signoff_role == SignoffRole.STAKEHOLDER:
        return is_stakeholder
    return signoff_role in SIGNOFF_ROLES_OF.get(role or "", frozenset())


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser
    team_id: int
    role: str | None  # None: not a member of the team

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def is_em(self) -> bool:
        return self.role == Role.EM

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def is_contributor(self) -> bool:
        return is_contributor(self.role)


class RoleCache:
    """The roles already looked up for each user object, for as long as that object lives:
    ``request.user`` for one request, a user loaded in a task or the shell for that task.

    Keyed by the object's identity, not its pk: a user loaded afresh reads the database
    again, as a new request must. A finaliser drops the entry when the object goes away, so
    the identity cannot be reused while its entry remains."""

    def __init__(self) -> None:
        self._roles: dict[int, dict[int, str | None]] = {}

    def of(self, user: object) -> dict[int, str | None]:
        """``user``'s roles by team id, as far as they have been looked up (or primed)."""
        key = id(user)
        roles = self._roles.get(key)
        if roles is None:
            roles = self._roles[key] = {}
            weakref.finalize(user, self._roles.pop, key, None)
        return roles

    def forget(self, user: object) -> None:
        self._roles.pop(id(user), None)


# One per process: each user object is used by one thread (its request or task).
ROLES = RoleCache()


def role_in(user: AbstractBaseUser | AnonymousUser, team: Team | int) -> str | None:
    team_id = team if isinstance(team, int) else team.pk
    if not user.is_authenticated:
        return None
    # Looked up once per team per request; a page that has loaded the team's people primes it.
    roles = ROLES.of(user)
    if team_id not in roles:
        roles[team_id] = (
            Membership.objects.filter(user_id=user.pk, team_id=team_id)
            .values_list("role", flat=True)
            .first()
        )
    role = roles[team_id]
    if role is None and getattr(user, "is_superuser", False):
        # Superusers administer every team (the Django admin); they act with an EM's rights.
        return Role.EM
    return role


def prime_roles(user: AbstractBaseUser, team_id: int, memberships: list[Membership]) -> None:
    """Record ``user``'s role in ``team_id`` from an already loaded list of its memberships."""
    ROLES.of(user)[team_id] = next((m.role for m in memberships if m.user_id == user.pk), None)


def forget_roles(user: AbstractBaseUser) -> None:
    """Drop what is known of ``user``'s roles (after a membership change)."""
    ROLES.forget(user)


def actor_for(user: AbstractBaseUser, team: Team | int) -> Actor:
    team_id = team if isinstance(team, int) else team.pk
    return Actor(user=user, team_id=team_id, role=role_in(user, team_id))


def ensure_member(actor: Actor) -> None:
    if not actor.is_member:
        raise NotFound("Not found.")


def _is_dri(actor: Actor, initiative: Initiative) -> bool:
    return initiative.dri_id == actor.user.pk


def is_or_was_dri(user_id: int | None, initiative: Initiative) -> bool:
    """Whether ``user_id`` owns ``initiative`` now or has owned it at any time in its life
    (``Initiative.dri_history``): such a person signs off none of its reviews."""
    return user_id == initiative.dri_id or user_id in (initiative.dri_history or [])


@dataclass(frozen=True, slots=True)
class InitiativePeople:
    """Who is listed on an initiative, as its page loaded them (``selectors.initiative_detail``):
    passed to the rules below so that a page of buttons costs no query per button."""

    member_ids: frozenset[int]
    stakeholder_ids: frozenset[int]


def _is_stakeholder(
    actor: Actor, initiative: Initiative, people: InitiativePeople | None = None
) -> bool:
    if people is not None:
        return actor.user.pk in people.stakeholder_ids
    return initiative.stakeholders.filter(pk=actor.user.pk).exists()


def _is_initiative_member(
    actor: Actor, initiative: Initiative, people: InitiativePeople | None = None
) -> bool:
    if people is not None:
        return actor.user.pk in people.member_ids
    return initiative.members.filter(pk=actor.user.pk).exists()


# --- Initiatives -----------------------------------------------------------------------------


def can_create_initiative(actor: Actor) -> bool:
    return actor.is_contributor


def can_edit_initiative(actor: Actor, initiative: Initiative) -> bool:
    return actor.is_contributor and (_is_dri(actor, initiative) or actor.is_manager)


def can_transition(actor: Actor, initiative: Initiative) -> bool:
    return can_edit_initiative(actor, initiative)


def can_reopen_done(actor: Actor) -> bool:
    return actor.is_em


def can_override_gate(actor: Actor) -> bool:
    return actor.is_em


def can_set_policies(actor: Actor) -> bool:
    """The team's policies (WIP limits, pairing) are its EM's to set."""
    return actor.is_em


def can_rank(actor: Actor) -> bool:
    """The team's priority order is its managers' (EM, PM) to change."""
    return actor.is_manager


def can_mark_blocked(actor: Actor, initiative: Initiative) -> bool:
    """Who says an initiative (or one of its tasks) is blocked by another: whoever may edit
    it (its DRI, an EM or a PM)."""
    return can_edit_initiative(actor, initiative)


def can_edit_fields(actor: Actor, initiative: Initiative, fields: set[str]) -> bool:
    """Editing the initiative: its DRI or a manager; a security member may change the
    security risk alone (a risk decision, ``risk_change_refusal``)."""
    if can_edit_initiative(actor, initiative):
        return True
    return actor.role == Role.SECURITY and fields <= {"security_risk"}


def risk_is_decided(initiative: Initiative, *, review_signed: bool) -> bool:
    """The risk level is a signed decision once security has signed the DoR's risk review, or
    once the initiative has passed its DoR at all (signed, waived or overridden)."""
    return review_signed or bool(passed_gates(initiative.state, paused_from=initiative.paused_from))


def risk_change_refusal(actor: Actor, *, old: str, new: str, decided: bool) -> str | None:
    """Why ``actor`` may not change a decided risk level from ``old`` to ``new``."""
    if decided and is_lowering(old, new) and not (actor.is_em or actor.role == Role.SECURITY):
        return (
            "Only a security member or an engineering manager can lower the security risk "
            "once it has been signed off."
        )
    return None


def can_manage_people(actor: Actor, initiative: Initiative) -> bool:
    return actor.is_contributor and (_is_dri(actor, initiative) or actor.is_em)


def can_post_update(actor: Actor, initiative: Initiative) -> bool:
    return actor.is_contributor and (_is_dri(actor, initiative) or actor.is_em)


# --- Milestones and tasks --------------------------------------------------------------------


def can_manage_milestones(
    actor: Actor, initiative: Initiative, people: InitiativePeople | None = None
) -> bool:
    if not actor.is_contributor:
        return False
    return (
        _is_dri(actor, initiative)
        or actor.is_manager
        or _is_initiative_member(actor, initiative, people)
    )


def can_manage_tasks(actor: Actor, initiative: Initiative) -> bool:
    """Any contributor of the team creates and moves tasks (engineers own tasks)."""
    return actor.is_contributor


# --- Checklist items -------------------------------------------------------------------------


def signoff_refusal(
    actor: Actor,
    item: ChecklistItem,
    initiative: Initiative,
    people: InitiativePeople | None = None,
) -> str | None:
    """Why ``actor`` may not sign off ``item``, or None if they may. Separation of duties
    holds over time: a former DRI is refused like the current one."""
    is_dri = is_or_was_dri(actor.user.pk, initiative)
    role = item.signoff_role
    is_stakeholder = role == SignoffRole.STAKEHOLDER and _is_stakeholder(actor, initiative, people)
    if may_sign_off(
        role=actor.role, signoff_role=role, is_dri=is_dri, is_stakeholder=is_stakeholder
    ):
        return None
    if is_dri:
        if not _is_dri(actor, initiative):
            return "A former DRI of this initiative cannot sign off its reviews."
        return "The DRI cannot sign off their own initiative's reviews."
    if role == SignoffRole.STAKEHOLDER:
        return "Only a listed stakeholder of this initiative can give this sign-off."
    return f"Only a member with the {SignoffRole(role).label.lower()} role can give this sign-off."


def tick_refusal(
    actor: Actor,
    item: ChecklistItem,
    initiative: Initiative,
    people: InitiativePeople | None = None,
) -> str | None:
    if not actor.is_contributor:
        return "Viewers cannot change checklists."
    if item.signoff_role:
        return signoff_refusal(actor, item, initiative, people)
    if _is_dri(actor, initiative) or actor.is_em:
        return None
    return "Only the DRI or an engineering manager can tick this item."


def waive_refusal(actor: Actor, item: ChecklistItem, initiative: Initiative) -> str | None:
    if item.signoff_role:
        return None if actor.is_em else "Only an engineering manager can waive a sign-off item."
    if actor.is_contributor and (_is_dri(actor, initiative) or actor.is_em):
        return None
    return "Only the DRI or an engineering manager can waive this item."


def reopen_refusal(
    actor: Actor,
    item: ChecklistItem,
    initiative: Initiative,
    people: InitiativePeople | None = None,
) -> str | None:
    if item.status == ItemStatus.WAIVED:
        return waive_refusal(actor, item, initiative)
    if actor.is_em and actor.is_contributor:
        return None
    return tick_refusal(actor, item, initiative, people)


def require(allowed: bool | str | None, message: str = "You may not do this.") -> None:
    """Raise NotAllowed unless ``allowed`` is True (``can_*``) or None (``*_refusal``)."""
    if allowed is True or (allowed is None):
        return
    raise NotAllowed(allowed if isinstance(allowed, str) else message)
