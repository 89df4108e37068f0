"""Every read of goals and key results, each in a fixed number of queries whatever the number
of goals, key results, check-ins and linked initiatives (``tests/goals/test_queries.py``).

A goal is visible to the members of its team and of the teams it is shared with (those see it
and link their initiatives to its key results; only its own team edits it). Everyone else gets
``NotFound``, as for any object of a team one is not in."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from initiatives.goals import rules
from initiatives.goals.models import OPEN_GOAL_STATUSES, CheckIn, Goal, KeyResult, KRKind
from initiatives.models import ACTIVE_STATES, Initiative, Membership, Team
from initiatives.rules.dates import team_today
from initiatives.rules.exceptions import NotFound
from initiatives.rules.permissions import ROLES


def visible_goals(user: Any) -> QuerySet[Goal]:
    """Goals of the user's teams and goals shared with them (ids, to filter on)."""
    teams = Membership.objects.filter(user_id=user.pk).values("team_id")
    return Goal.objects.filter(Q(team_id__in=teams) | Q(shared_with__in=teams))


def _latest(field_name: str, up_to_week: str | None) -> Subquery:
    rows = CheckIn.objects.filter(key_result=OuterRef("pk"))
    if up_to_week:
        rows = rows.filter(week__lte=up_to_week)
    return Subquery(rows.order_by("-week").values(field_name)[:1])


def with_latest(
    queryset: QuerySet[KeyResult], *, up_to_week: str | None = None
) -> QuerySet[KeyResult]:
    """Key results with their latest check-in's value, confidence and week (no extra query);
    ``up_to_week``: the latest as of the end of that ISO week (the digest's)."""
    return queryset.annotate(
        latest_value=_latest("value", up_to_week),
        latest_confidence=_latest("confidence", up_to_week),
        latest_level=_latest("confidence_level", up_to_week),
        latest_week=_latest("week", up_to_week),
    )


@dataclass
class KRRow:
    """A key result as lists and pages show it."""

    key_result: KeyResult
    goal: Goal
    standing: rules.Standing
    latest_value: float | None
    latest_week: str
    check_ins: list[CheckIn] = field(default_factory=list)
    initiatives: list[Initiative] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.key_result.pk

    @property
    def is_monitor(self) -> bool:
        return self.key_result.kind == KRKind.MONITOR

    @property
    def measure(self) -> str:
        """The measure in words: "from 0 % to 80 %", "at most 5 min", "between 99.5 and 100 %"."""
        kr, unit = self.key_result, self.key_result.unit
        if kr.direction == "band":
            return f"between {kr.band_low:g} and {kr.band_high:g}{unit}"
        if kr.kind == KRKind.MONITOR:
            sign = "at least" if kr.direction == "increase" else "at most"
            return f"{sign} {kr.target:g}{unit}"
        return f"from {kr.baseline:g}{unit} to {kr.target:g}{unit}"

    @property
    def latest_text(self) -> str:
        if self.latest_value is None:
            return "no check-in yet"
        return f"{self.latest_value:g}{self.key_result.unit} ({self.latest_week})"


def kr_row(kr: KeyResult, goal: Goal, today: dt.date) -> KRRow:
    """A key result annotated by ``with_latest``, with its standing on ``today``."""
    value = getattr(kr, "latest_value", None)
    return KRRow(
        key_result=kr,
        goal=goal,
        latest_value=value,
        latest_week=getattr(kr, "latest_week", "") or "",
        standing=rules.standing(
            kind=kr.kind,
            direction=kr.direction,
            baseline=kr.baseline,
            target=kr.target,
            band_low=kr.band_low,
            band_high=kr.band_high,
            value=value,
            confidence=getattr(kr, "latest_confidence", None),
            level=getattr(kr, "latest_level", "") or "",
            starts_on=goal.starts_on,
            ends_on=goal.ends_on,
            today=today,
        ),
    )


@dataclass
class GoalRow:
    goal: Goal
    key_results: list[KRRow]
    own: bool  # a goal of the team the list is about (else shared with it)

    @property
    def attention(self) -> int:
        return sum(1 for kr in self.key_results if kr.standing.needs_attention)


def today_of(team: Team) -> dt.date:
    return team_today(team.tz, timezone.now())


# --- The team's goals --------------------------------------------------------------------------


def member_team(user: Any, key: str) -> Team:
    """The team ``key`` with the caller's role (``caller_role``); NotFound unless a member."""
    team = (
        Team.objects.filter(key=key.upper(), memberships__user_id=user.pk)
        .annotate(caller_role=F("memberships__role"))
        .first()
    )
    if team is None:
        raise NotFound(f"No team {key}.")
    ROLES.of(user)[team.pk] = team.caller_role
    return team


def team_goals(team: Team, *, include_closed: bool = True) -> list[GoalRow]:
    """The team's goals and the goals shared with it, newest period first, each with its key
    results and their standing: three queries."""
    goals = list(
        Goal.objects.filter(Q(team=team) | Q(shared_with=team))
        .filter(Q() if include_closed else Q(status__in=OPEN_GOAL_STATUSES))
        .select_related("team", "owner")
        .distinct()
        .order_by("-starts_on", "team__key", "pk")
    )
    by_goal: dict[int, list[KeyResult]] = defaultdict(list)
    for kr in with_latest(KeyResult.objects.filter(goal__in=goals).select_related("owner")):
        by_goal[kr.goal_id].append(kr)
    today = team_today(team.tz, timezone.now())
    return [
        GoalRow(g, [kr_row(kr, g, today) for kr in by_goal[g.pk]], own=g.team_id == team.pk)
        for g in goals
    ]


def goals_list(team: Team) -> QuerySet[Goal]:
    """The API's list: the team's goals and those shared with it (paginated by the caller)."""
    return (
        Goal.objects.filter(Q(team=team) | Q(shared_with=team))
        .select_related("team", "owner")
        .prefetch_related(
            Prefetch("shared_with", queryset=Team.objects.order_by("key")),
            Prefetch(
                "key_results", queryset=KeyResult.objects.order_by("pk").only("id", "goal_id")
            ),
        )
        .distinct()
        .order_by("-starts_on", "team__key", "pk")
    )


# --- One goal ----------------------------------------------------------------------------------


def goal_for(user: Any, pk: int) -> Goal:
    """A goal the caller can see, with its team, owner and the caller's role in its team
    (``caller_role``: None for a member of a team it is shared with); NotFound otherwise."""
    goal = (
        visible_goals(user)
        .filter(pk=pk)
        .select_related("team", "owner")
        .prefetch_related(
            Prefetch("shared_with", queryset=Team.objects.order_by("key")),
            Prefetch(
                "key_results", queryset=KeyResult.objects.order_by("pk").only("id", "goal_id")
            ),
        )
        .first()
    )
    if goal is None:
        raise NotFound(f"No goal {pk}.")
    role = Membership.objects.filter(user_id=user.pk, team_id=goal.team_id).values_list(
        "role", flat=True
    )
    goal.caller_role = next(iter(role), None)  # type: ignore[attr-defined]
    ROLES.of(user)[goal.team_id] = goal.caller_role  # type: ignore[attr-defined]
    return goal


def key_result_for(user: Any, pk: int) -> KeyResult:
    """A key result of a goal the caller can see (``goal_for``'s rules); NotFound otherwise."""
    kr = (
        with_latest(KeyResult.objects.filter(pk=pk, goal__in=visible_goals(user)))
        .select_related("goal__team", "goal__owner", "owner")
        .first()
    )
    if kr is None:
        raise NotFound(f"No key result {pk}.")
    role = Membership.objects.filter(user_id=user.pk, team_id=kr.goal.team_id).values_list(
        "role", flat=True
    )
    ROLES.of(user)[kr.goal.team_id] = next(iter(role), None)
    return kr


def initiative_ids(key_result_ids: list[int]) -> dict[int, list[str]]:
    """The keys of the initiatives contributing to each key result (one query)."""
    through = KeyResult.initiatives.through
    rows = (
        through.objects.filter(keyresult_id__in=key_result_ids)
        .select_related("initiative__team")
        .order_by("initiative__team__key", "initiative__number")
    )
    keys: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        keys[row.keyresult_id].append(row.initiative.key)
    return keys


@dataclass
class GoalPage:
    goal: Goal
    key_results: list[KRRow]
    initiatives: list[Initiative]  # every contributing initiative, once
    linkable: list[Initiative]  # the viewer's initiatives that may be linked
    today: dt.date


LINKABLE = 200


def goal_page(user: Any, pk: int) -> GoalPage:
    """The goal page: the goal, its key results with every check-in (for the charts) and
    their contributing initiatives with state and health, and the viewer's initiatives that
    may be linked. Eight queries whatever the numbers."""
    goal = goal_for(user, pk)  # 4 (goal, shared teams, key result ids, role)
    krs = list(
        with_latest(KeyResult.objects.filter(goal=goal).select_related("owner")).order_by("pk")
    )  # 1
    today = team_today(goal.team.tz, timezone.now())
    rows = [kr_row(kr, goal, today) for kr in krs]
    by_pk = {row.pk: row for row in rows}
    for entry in CheckIn.objects.filter(key_result__in=krs).order_by("week"):  # 1
        by_pk[entry.key_result_id].check_ins.append(entry)
    through = KeyResult.initiatives.through
    seen: dict[int, Initiative] = {}
    for link in (
        through.objects.filter(keyresult_id__in=[kr.pk for kr in krs])
        .select_related("initiative__team", "initiative__dri")
        .order_by("initiative__team__key", "initiative__number")
    ):  # 1
        initiative = seen.setdefault(link.initiative_id, link.initiative)
        by_pk[link.keyresult_id].initiatives.append(initiative)
    # The viewer may link initiatives of their teams this goal belongs or is shared to.
    team_ids = [goal.team_id, *(t.pk for t in goal.shared_with.all())]
    linkable = list(
        Initiative.objects.filter(
            team_id__in=team_ids,
            team__memberships__user_id=user.pk,
            state__in=[*ACTIVE_STATES, "discovery"],
        )
        .select_related("team")
        .order_by("team__key", "number")[:LINKABLE]
    )  # 1
    return GoalPage(goal, rows, list(seen.values()), linkable, today)


def initiative_key_results(initiative: Initiative) -> list[KRRow]:
    """The key results an initiative serves, with their goal and standing (one query)."""
    krs = with_latest(
        KeyResult.objects.filter(initiatives=initiative).select_related("goal__team", "owner")
    ).order_by("goal__team__key", "goal_id", "pk")
    today = team_today(initiative.team.tz, timezone.now())
    return [kr_row(kr, kr.goal, today) for kr in krs]


def key_results_by_key(user: Any, key: str) -> list[KRRow]:
    """``initiative_key_results`` for the initiative page, by the initiative's key (the page
    has checked that the viewer may see it): one query."""
    krs = with_latest(
        KeyResult.objects.filter(
            initiatives__in=Initiative.objects.by_key(key).filter(
                team__memberships__user_id=user.pk
            )
        ).select_related("goal__team", "owner")
    ).order_by("goal__team__key", "goal_id", "pk")
    now = timezone.now()
    return [kr_row(kr, kr.goal, team_today(kr.goal.team.tz, now)) for kr in krs]


def key_result_ids_of(initiative: Initiative) -> list[int]:
    return sorted(initiative.key_results.values_list("pk", flat=True))


# --- The weekly cycle --------------------------------------------------------------------------


def open_key_results(
    team_ids: list[int], today_of: Any, *, up_to_week: str | None = None
) -> list[KRRow]:
    """Every key result of an open goal of the teams whose period has started, with its
    latest check-in (as of ``up_to_week``, when given) and standing (``today_of(team)``: that
    team's today). One query."""
    krs = with_latest(
        KeyResult.objects.filter(goal__team_id__in=team_ids, goal__status__in=OPEN_GOAL_STATUSES)
        .select_related("goal__team", "owner")
        .order_by("goal__team__key", "goal_id", "pk"),
        up_to_week=up_to_week,
    )
    rows = []
    for kr in krs:
        today = today_of(kr.goal.team)
        if kr.goal.starts_on <= today:
            rows.append(kr_row(kr, kr.goal, today))
    return rows


def teams_with_open_key_results(teams: list[Team]) -> set[int]:
    return set(
        KeyResult.objects.filter(goal__team__in=teams, goal__status__in=OPEN_GOAL_STATUSES)
        .values_list("goal__team_id", flat=True)
        .distinct()
    )
