"""Reads of the weekly cycle (digest, reminders, recipients), each a fixed number of queries.

The digest also uses the dashboard's ``portfolio`` selectors (milestones due, gate waits,
overrides and waivers, finished); what is here is specific to a given week or to email.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from initiatives.models import (
    ACTIVE_STATES,
    DigestSubscription,
    Initiative,
    Membership,
    MilestoneSlip,
    Role,
    StatusUpdate,
)
from initiatives.selectors.initiatives import InitiativeRow, list_initiatives

DIGEST_ROLES = (Role.EM, Role.PM)


# --- Initiatives -----------------------------------------------------------------------------


def active_initiatives(team_ids: list[int]) -> list[InitiativeRow]:
    """Active initiatives as list rows: current milestone, stored gates, ``stale`` (one
    query)."""
    return list_initiatives(
        Initiative.objects.filter(team_id__in=team_ids, state__in=ACTIVE_STATES).order_by(
            "team__key", "number"
        )
    )


def without_update(team_ids: list[int], *, week: str) -> list[Initiative]:
    """Active initiatives with no status update for ``week``, team and DRI joined (one query)."""
    posted = StatusUpdate.objects.filter(initiative=OuterRef("pk"), week=week)
    return list(
        Initiative.objects.filter(team_id__in=team_ids, state__in=ACTIVE_STATES)
        .exclude(Exists(posted))
        .select_related("team", "dri")
        .order_by("team__key", "number")
    )


def updates_by_initiative(
    initiative_ids: Iterable[int], weeks: Iterable[str]
) -> dict[tuple[int, str], StatusUpdate]:
    """The status updates of ``weeks`` keyed by (initiative id, week): one query."""
    rows = StatusUpdate.objects.filter(initiative_id__in=list(initiative_ids), week__in=weeks)
    return {(u.initiative_id, u.week): u for u in rows}


def slips_by_milestone(milestone_ids: Iterable[int | None]) -> dict[int, list[MilestoneSlip]]:
    """Every slip of the given milestones (None: no milestone), oldest first: one query."""
    result: dict[int, list[MilestoneSlip]] = defaultdict(list)
    for slip in MilestoneSlip.objects.filter(milestone_id__in=[i for i in milestone_ids if i]):
        result[slip.milestone_id].append(slip)
    return result


# --- Recipients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    user_id: int | None  # None: an email-only subscriber
    reason: str  # why they receive it, shown on the subscribers page


def digest_recipients(team_id: int) -> list[Recipient]:
    """Who receives ``team``'s digest: its EMs and PMs unless they opted out, members who
    subscribed, and active email-only subscribers; one per address (two queries)."""
    choices = {
        s.user_id: s.active
        for s in DigestSubscription.objects.filter(team_id=team_id, user__isnull=False)
    }
    people = []
    for membership in Membership.objects.filter(team_id=team_id).select_related("user"):
        user = membership.user
        wanted = choices.get(user.pk, membership.role in DIGEST_ROLES)
        if wanted and user.is_active and user.email:
            reason = "subscribed" if user.pk in choices else membership.get_role_display()
            people.append(
                Recipient(user.email, user.get_full_name() or user.username, user.pk, reason)
            )
    extra = DigestSubscription.objects.filter(team_id=team_id, user__isnull=True, active=True)
    people += [Recipient(s.email, s.label, None, "email-only") for s in extra]
    seen: set[str] = set()
    result = []
    for person in people:
        key = person.email.strip().lower()
        if key not in seen:
            seen.add(key)
            result.append(person)
    return result


def email_subscribers(team_id: int) -> list[DigestSubscription]:
    """The team's email-only subscribers, active or not (one query)."""
    return list(
        DigestSubscription.objects.filter(team_id=team_id, user__isnull=True)
        .select_related("added_by")
        .order_by("-active", "email")
    )


def receives_digest(team_id: int, user) -> bool:
    """Whether ``user`` (a member) receives the team digest (two small queries at most)."""
    choice = (
        DigestSubscription.objects.filter(team_id=team_id, user=user)
        .values_list("active", flat=True)
        .first()
    )
    if choice is not None:
        return choice
    return Membership.objects.filter(Q(role__in=DIGEST_ROLES), team_id=team_id, user=user).exists()
