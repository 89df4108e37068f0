"""Reads of the weekly cycle (digest, reminders, recipients), each a fixed number of queries.

The digest also uses the dashboard's ``portfolio`` selectors (milestones due, gate waits,
overrides and waivers, finished); what is here is specific to a given week or to email.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, Min, OuterRef, Q, Subquery

from initiatives.models import (
    ACTIVE_STATES,
    ActivityEvent,
    DigestSubscription,
    Initiative,
    Membership,
    MilestoneSlip,
    Role,
    StatusUpdate,
    Team,
)
from initiatives.rules.dates import DateMoves, date_moves
from initiatives.selectors.initiatives import InitiativeRow, list_initiatives
from initiatives.selectors.portfolio import CLOSABLE_AT, closable_since

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


# An initiative as of the end of a week: its state and DRI are the ``before`` of the first
# change recorded after the week (or today's values when nothing changed since), its health
# and last update the latest update of that week or before.
STATE_VERBS = ("initiative.transitioned", "initiative.gate_overridden")
WEEK_LAST_UPDATE = "week_last_update"
WEEK_LAST_HEALTH = "week_last_health"


def week_initiatives(team_ids: list[int], *, week: str, until: dt.datetime) -> list[InitiativeRow]:
    """The initiatives that may have been active at ``until`` (the end of ``week``): created
    before it, and active now or moved since. List rows with ``CLOSABLE_AT`` and, as of
    ``week``, the latest update's week and health (one query)."""
    latest = StatusUpdate.objects.filter(initiative=OuterRef("pk"), week__lte=week).order_by(
        "-week"
    )
    queryset = (
        Initiative.objects.filter(team_id__in=team_ids, created_at__lt=until)
        .filter(Q(state__in=ACTIVE_STATES) | Q(state_changed_at__gte=until))
        .annotate(
            **{
                WEEK_LAST_UPDATE: Subquery(latest.values("week")[:1]),
                WEEK_LAST_HEALTH: Subquery(latest.values("health")[:1]),
            },
            **closable_since(),
        )
        .order_by("team__key", "number")
    )
    return list_initiatives(queryset, extra=[WEEK_LAST_UPDATE, WEEK_LAST_HEALTH, CLOSABLE_AT])


def team_existed_since(team: Team) -> dt.datetime:
    """When ``team``'s history starts: its creation, or its first initiative when history
    was imported (seeded or backfilled) before that. One query."""
    first = Initiative.objects.filter(team=team).aggregate(first=Min("created_at"))["first"]
    return min(filter(None, [team.created_at, first]))


@dataclass(frozen=True, slots=True)
class AsOf:
    """What an initiative was at the end of a week: its state and its DRI (a user id)."""

    state: str
    dri_id: int


def as_of(rows: Iterable[InitiativeRow], until: dt.datetime) -> dict[int, AsOf]:
    """The state and DRI of each row at ``until``, read back from the activity history: the
    ``before`` of the first state change and of the first DRI change recorded since. One
    query, over the events after ``until`` only."""
    rows = list(rows)
    changes = (
        ActivityEvent.objects.filter(initiative_id__in=[r.pk for r in rows], created_at__gte=until)
        .filter(Q(verb__in=STATE_VERBS) | Q(verb="initiative.updated", before__has_key="dri"))
        .order_by("created_at", "pk")
        .values_list("initiative_id", "verb", "before")
    )
    first: dict[tuple[int, str], Any] = {}
    for initiative_id, verb, before in changes:
        field = "state" if verb in STATE_VERBS else "dri"
        first.setdefault((initiative_id, field), before.get(field))
    return {
        row.pk: AsOf(
            state=first.get((row.pk, "state")) or row.state,
            dri_id=first.get((row.pk, "dri")) or row.initiative.dri_id,
        )
        for row in rows
    }


def users_by_id(ids: Iterable[int]) -> dict[int, Any]:
    """Users by id (one query; none when ``ids`` is empty)."""
    wanted = set(ids)
    return get_user_model().objects.in_bulk(wanted) if wanted else {}


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


def moves_by_milestone(
    milestone_ids: Iterable[int | None], *, until: dt.datetime
) -> dict[int, DateMoves]:
    """The slips and pull-ins (``rules.dates``) recorded before ``until`` of the given
    milestones (None: no milestone). One query."""
    changes: dict[int, list[MilestoneSlip]] = defaultdict(list)
    started: dict[int, dt.datetime | None] = {}
    queryset = MilestoneSlip.objects.filter(
        milestone_id__in=[i for i in milestone_ids if i], created_at__lt=until
    ).select_related("milestone")
    for slip in queryset:
        changes[slip.milestone_id].append(slip)
        started[slip.milestone_id] = slip.milestone.started_at
    return {pk: date_moves(rows, started[pk]) for pk, rows in changes.items()}


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
    for membership in (
        Membership.objects.filter(team_id=team_id).select_related("user").order_by("pk")
    ):
        user = membership.user
        wanted = choices.get(user.pk, membership.role in DIGEST_ROLES)
        if wanted and user.is_active and user.email:
            reason = "subscribed" if user.pk in choices else membership.get_role_display()
            people.append(
                Recipient(user.email, user.get_full_name() or user.username, user.pk, reason)
            )
    extra = DigestSubscription.objects.filter(
        team_id=team_id, user__isnull=True, active=True
    ).order_by("pk")
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
