"""Reads of team policies and dependencies, each with a fixed number of queries whatever the
data size (budgets in ``tests/policies``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from initiatives.models import (
    ActivityEvent,
    Health,
    Initiative,
    Membership,
    Milestone,
    MilestoneState,
    State,
    Team,
)
from initiatives.policies.checks import settings_of, team_settings
from initiatives.policies.models import Dependency, TeamPolicy
from initiatives.rules.policies import PolicySettings, over_limit

# States in which an initiative still blocks its dependants.
OPEN_STATES = (State.DISCOVERY, State.SCOPING, State.READY, State.IN_DELIVERY, State.PAUSED)


def policy_for(team: Team) -> TeamPolicy:
    """The team's policy row, or an unsaved one with every policy off (one query)."""
    return TeamPolicy.objects.filter(team=team).first() or TeamPolicy(team=team)


@dataclass(frozen=True)
class WipCount:
    """The In delivery column's header: how many against the team's limit."""

    current: int
    limit: int | None

    @property
    def over(self) -> bool:
        return self.limit is not None and self.current > self.limit

    @property
    def at_limit(self) -> bool:
        return self.limit is not None and self.current >= self.limit


def wip_count(team: Team, in_delivery: int | None = None) -> WipCount:
    """One query for the settings, one more unless ``in_delivery`` is known (the board's
    unfiltered column count)."""
    settings = team_settings(team.pk)
    if in_delivery is None:
        in_delivery = Initiative.objects.filter(team=team, state=State.IN_DELIVERY).count()
    return WipCount(in_delivery, settings.wip_team)


# --- Dependencies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    pk: int
    key: str
    title: str
    state: str
    state_label: str
    task_title: str  # the dependant's task this link is about, or ""

    @property
    def url(self) -> str:
        return f"/i/{self.key}/"


@dataclass(frozen=True)
class Dependencies:
    blocked_by: list[Link]  # what this initiative (or its tasks) waits for
    blocking: list[Link]  # what waits for it, in teams the viewer can see
    blocking_hidden: int  # ... and in teams the viewer cannot see


def _link(pk: int, initiative: Initiative, task_title: str | None) -> Link:
    return Link(
        pk,
        initiative.key,
        initiative.title,
        initiative.state,
        initiative.get_state_display(),
        task_title or "",
    )


def dependencies_of(initiative: Initiative, viewer: Any) -> Dependencies:
    """Both sides of an initiative's blocked-by links, as ``viewer`` may see them: blockers
    are visible to whoever marked them (but a blocker in a team the viewer is not in shows
    only by key); dependants in the viewer's teams by name, the rest counted. One query;
    two when a link crosses teams."""
    pk = initiative.pk
    rows = list(
        Dependency.objects.filter(Q(initiative_id=pk) | Q(blocker_id=pk))
        .select_related("initiative__team", "blocker__team", "task")
        .order_by("created_at", "pk")
    )
    # The viewer sees this initiative's team; other teams' only when a link leads there.
    visible = {initiative.team_id}
    if any(
        r.initiative.team_id != initiative.team_id or r.blocker.team_id != initiative.team_id
        for r in rows
    ):
        visible |= set(viewer.memberships.values_list("team_id", flat=True))
    blocked_by, blocking, hidden = [], [], 0
    for row in rows:
        if row.initiative_id == pk:
            if row.blocker.team_id in visible:
                blocked_by.append(_link(row.pk, row.blocker, row.task.title if row.task else ""))
            else:  # a blocker in a team the viewer is not in: its key only
                blocked_by.append(
                    Link(row.pk, row.blocker.key, "(another team's initiative)", "", "", "")
                )
        elif row.initiative.team_id in visible:
            blocking.append(_link(row.pk, row.initiative, row.task.title if row.task else ""))
        else:
            hidden += 1
    return Dependencies(blocked_by, blocking, hidden)


def you_are_blocking(user: Any, limit: int = 20) -> list[tuple[Initiative, list[str]]]:
    """My work's "You are blocking": the user's open initiatives (as DRI) that others wait
    for, each with the keys waiting (in teams the user can see; others as "another team").
    One query."""
    rows = (
        Dependency.objects.filter(blocker__dri=user, blocker__state__in=OPEN_STATES)
        .select_related("blocker__team", "initiative__team")
        .annotate(
            visible=Exists(
                Membership.objects.filter(team_id=OuterRef("initiative__team_id"), user=user)
            )
        )
        .order_by("blocker__team__key", "blocker__number", "pk")
    )
    found: dict[int, tuple[Initiative, list[str]]] = {}
    for row in rows[: limit * 10]:
        entry = found.setdefault(row.blocker_id, (row.blocker, []))
        label = row.initiative.key if row.visible else "another team"
        if label not in entry[1]:
            entry[1].append(label)
    return list(found.values())[:limit]


def blockers_at_risk(initiative_ids: list[int], today: dt.date) -> dict[int, list[str]]:
    """For the digest: each of ``initiative_ids`` with its open blockers that are red (off
    track) or overdue (target date passed, or an open milestone past its delivery date), by
    key. One query (none without ``initiative_ids``)."""
    if not initiative_ids:
        return {}
    overdue = Milestone.objects.filter(
        state__in=(MilestoneState.PLANNED, MilestoneState.IN_PROGRESS), due_date__lt=today
    ).values("initiative_id")
    rows = (
        Dependency.objects.filter(initiative_id__in=initiative_ids, blocker__state__in=OPEN_STATES)
        .filter(
            Q(blocker__health=Health.OFF_TRACK)
            | Q(blocker__target_date__lt=today)
            | Q(blocker_id__in=overdue)
        )
        .values_list("initiative_id", "blocker__team__key", "blocker__number")
        .order_by("blocker__team__key", "blocker__number")
    )
    at_risk: dict[int, list[str]] = {}
    for pk, team_key, number in rows:
        key = f"{team_key}-{number}"
        if key not in at_risk.setdefault(pk, []):
            at_risk[pk].append(key)
    return at_risk


# --- The dashboard's Flow: limit breaches and overrides ----------------------------------------


@dataclass(frozen=True)
class Breached:
    team: Team
    current: int
    limit: int


@dataclass(frozen=True)
class PolicyFlow:
    breaches: list[Breached]  # teams with more in delivery than their limit
    overrides: list[ActivityEvent]  # policy overrides since ``since``, newest first


def policy_flow(team_ids: list[int], since: dt.datetime, limit: int = 10) -> PolicyFlow:
    """Two queries whatever the number of teams or events (three when a team has a WIP
    limit)."""
    policies = {
        p.team_id: p
        for p in TeamPolicy.objects.filter(team_id__in=team_ids, wip_team__isnull=False)
        .select_related("team")
        .order_by("team__key")
    }
    counts = (
        dict(
            Initiative.objects.filter(team_id__in=list(policies), state=State.IN_DELIVERY)
            .values_list("team_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if policies
        else {}
    )
    breaches = []
    for team_id, policy in policies.items():
        settings: PolicySettings = settings_of(policy)
        if over_limit(settings, counts.get(team_id, 0)):
            breaches.append(Breached(policy.team, counts.get(team_id, 0), policy.wip_team or 0))
    overrides = list(
        ActivityEvent.objects.filter(
            team_id__in=team_ids,
            verb="initiative.gate_overridden",
            created_at__gte=since,
            after__has_key="overridden_policies",
        )
        .select_related("initiative__team")
        .order_by("-created_at", "-pk")[:limit]
    )
    return PolicyFlow(breaches, overrides)
