"""Intake's reads, each with its query budget (pinned in ``tests/intake``): the team's settings
and who is on call, the triage queue, a team's and a requester's requests, the counts shown in
the team header and on My work, and the figures of the digest and the dashboard."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from initiatives.intake import schedule
from initiatives.intake.models import (
    OPEN_STATES,
    Category,
    IntakeRequest,
    IntakeSettings,
    OnCallOverride,
    RequestState,
    RotationMember,
)
from initiatives.intake.rules import is_overdue
from initiatives.models import ActivityEvent, Membership, Team
from initiatives.rules.exceptions import NotFound
from initiatives.rules.permissions import role_in

# The queue shows at most this many open requests (the oldest overdue first); the rest are
# counted and reachable through the API's list.
QUEUE_LIMIT = 200
CATEGORY_ORDER = [Category.CAT1, Category.CAT2, Category.FEATURE, Category.QUESTION]


# --- Settings, rotation, on call -------------------------------------------------------------


def settings_of(team: Team) -> IntakeSettings:
    """The team's intake settings, the defaults if it has none saved (one query)."""
    found = IntakeSettings.objects.filter(team=team).first()
    if found is None:
        found = IntakeSettings(team=team)
    found.team = team
    return found


def rotation_of(team: Team) -> list[RotationMember]:
    """The rotation in order, with its people (one query)."""
    return list(
        RotationMember.objects.filter(team=team).select_related("user").order_by("position")
    )


def overrides_of(team: Team, *, now: dt.datetime) -> list[OnCallOverride]:
    """Overrides not yet over, oldest first, with their people (one query)."""
    return list(
        OnCallOverride.objects.filter(team=team, ends_at__gt=now)
        .select_related("user")
        .order_by("starts_at", "pk")
    )


def _as_overrides(rows: Iterable[OnCallOverride]) -> list[schedule.Override]:
    return [schedule.Override(o.user_id, o.starts_at, o.ends_at) for o in rows]


@dataclass
class Rota:
    """A team's triage and on-call picture at a moment (``rota``: three queries)."""

    team: Team
    settings: IntakeSettings
    members: list[RotationMember]
    overrides: list[OnCallOverride]
    now: dt.datetime
    people: dict[int, User] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for member in self.members:
            self.people[member.user_id] = member.user
        for override in self.overrides:
            self.people[override.user_id] = override.user

    @property
    def member_ids(self) -> list[int]:
        return [m.user_id for m in self.members]

    @property
    def current(self) -> schedule.OnCall:
        return schedule.on_call(
            self.settings, self.member_ids, _as_overrides(self.overrides), self.now
        )

    @property
    def on_call(self) -> User | None:
        user_id = self.current.user_id
        return self.people.get(user_id) if user_id else None

    def upcoming(self, count: int = 6) -> list[tuple[schedule.OnCall, User | None]]:
        shifts = schedule.upcoming_shifts(
            self.settings, self.member_ids, _as_overrides(self.overrides), self.now, count
        )
        return [(s, self.people.get(s.user_id) if s.user_id else None) for s in shifts]

    @property
    def latest_slot(self) -> dt.datetime:
        return schedule.latest_triage_slot(self.settings, self.now)[1]

    @property
    def next_slot(self) -> dt.datetime:
        return schedule.next_triage_slot(self.settings, self.now)


def rota(team: Team, *, now: dt.datetime | None = None) -> Rota:
    now = now or timezone.now()
    return Rota(
        team=team,
        settings=settings_of(team),
        members=rotation_of(team),
        overrides=overrides_of(team, now=now),
        now=now,
    )


def members_named(team: Team, names: Iterable[str]) -> list[User]:
    """The team's members with these usernames (one query; the services check their role)."""
    return list(User.objects.filter(memberships__team=team, username__in=list(names)))


# --- Who may see what ------------------------------------------------------------------------


def askable_team(user: Any, key: str) -> tuple[Team, str | None]:
    """The team ``key`` if ``user`` may file requests to it (and see its rota), with their role
    there (None: not a member). Teams closed to outsiders answer NotFound (two queries)."""
    team = Team.objects.filter(key=str(key).upper()).select_related("intake_settings").first()
    if team is None:
        raise NotFound(f"No team {key}.")
    role = role_in(user, team)
    intake = getattr(team, "intake_settings", None)
    if role is None and intake is not None and not intake.open_to_all:
        raise NotFound(f"No team {key}.")
    return team, role


def member_team(user: Any, key: str) -> Team:
    """The team ``key`` if ``user`` belongs to it, with their role as ``caller_role`` (one
    query); NotFound otherwise."""
    team = (
        Team.objects.filter(key=str(key).upper(), memberships__user=user)
        .annotate(caller_role=F("memberships__role"))
        .first()
    )
    if team is None:
        raise NotFound(f"No team {key}.")
    return team


def askable_teams(user: Any) -> list[Team]:
    """Every team ``user`` may file requests to: their own and those open to all, each with
    ``caller_is_member`` (one query)."""
    mine = Membership.objects.filter(team=OuterRef("pk"), user=user)
    return list(
        Team.objects.annotate(caller_is_member=Exists(mine))
        .filter(
            Q(caller_is_member=True)
            | Q(intake_settings__isnull=True)
            | Q(intake_settings__open_to_all=True)
        )
        .order_by("key")
    )


def _visible(user: Any) -> Q:
    mine = Membership.objects.filter(team=OuterRef("team_id"), user=user)
    return Q(Exists(mine)) | Q(requester=user)


def request_for(user: Any, pk: int) -> IntakeRequest:
    """A request its team's members or its requester may see, with what its page shows and the
    caller's role in its team as ``caller_role`` (one query); NotFound for everyone else."""
    role = Membership.objects.filter(team=OuterRef("team_id"), user=user).values("role")[:1]
    found = (
        IntakeRequest.objects.filter(_visible(user), pk=pk)
        .select_related(
            "team",
            "requester",
            "assignee",
            "triaged_by",
            "initiative__team",
            "task__initiative__team",
            "duplicate_of",
            "routed_to__team",
            "routed_from__team",
        )
        .annotate(caller_role=role)
        .first()
    )
    if found is None:
        raise NotFound(f"No request {pk}.")
    return found


def with_rows(queryset: QuerySet[IntakeRequest]) -> QuerySet[IntakeRequest]:
    """What a list row shows, joined (no query per row)."""
    return queryset.select_related(
        "team", "requester", "assignee", "initiative__team", "routed_to__team", "duplicate_of"
    )


def team_requests(
    team: Team, *, state: str = "", category: str = "", open_only: bool = False
) -> QuerySet[IntakeRequest]:
    rows = IntakeRequest.objects.filter(team=team)
    if state:
        rows = rows.filter(state=state)
    if category:
        rows = rows.filter(category=category)
    if open_only:
        rows = rows.filter(state__in=OPEN_STATES)
    return with_rows(rows).order_by("-created_at", "-pk")


def my_requests(user: Any) -> QuerySet[IntakeRequest]:
    return with_rows(IntakeRequest.objects.filter(requester=user)).order_by("-created_at", "-pk")


# --- The triage queue ------------------------------------------------------------------------


@dataclass
class QueueRow:
    request: IntakeRequest
    overdue: bool
    snoozed: bool


@dataclass
class QueueGroup:
    category: str
    label: str
    rows: list[QueueRow]


@dataclass
class Queue:
    groups: list[QueueGroup]
    total: int
    new: int
    overdue: int
    snoozed: int
    waiting: int  # needs info from the requester
    shown: int


def triage_queue(
    team: Team, rota_: Rota, *, category: str = "", show_snoozed: bool = False
) -> Queue:
    """The team's open requests: new and overdue first, then by impact and age, grouped by
    category (two queries: the rows and the counts)."""
    now, latest = rota_.now, rota_.latest_slot
    rows = IntakeRequest.objects.filter(team=team, state__in=OPEN_STATES)
    if category:
        rows = rows.filter(category=category)
    counts = rows.aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(state=RequestState.NEW)),
        overdue=Count(
            "pk", filter=Q(state=RequestState.NEW, needs_info=False, created_at__lt=latest)
        ),
        snoozed=Count("pk", filter=Q(snoozed_until__gt=now)),
        waiting=Count("pk", filter=Q(needs_info=True)),
    )
    if not show_snoozed:
        rows = rows.filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
    loaded = list(with_rows(rows).order_by("needs_info", "state", "created_at", "pk")[:QUEUE_LIMIT])
    impact_rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    queue_rows = [
        QueueRow(
            request=r,
            overdue=is_overdue(
                state=r.state, created_at=r.created_at, needs_info=r.needs_info, latest_slot=latest
            ),
            snoozed=bool(r.snoozed_until and r.snoozed_until > now),
        )
        for r in loaded
    ]
    queue_rows.sort(
        key=lambda q: (
            not q.overdue,
            q.request.state != RequestState.NEW,
            q.request.needs_info,
            impact_rank.get(q.request.impact, 9),
            q.request.created_at,
        )
    )
    groups = []
    for cat in CATEGORY_ORDER:
        members = [q for q in queue_rows if q.request.category == cat]
        if members:
            groups.append(QueueGroup(cat, Category(cat).label, members))
    return Queue(groups=groups, shown=len(queue_rows), **counts)


@dataclass(frozen=True)
class HeaderCounts:
    new: int
    overdue: int


def header_counts(team: Team, *, now: dt.datetime | None = None) -> HeaderCounts:
    """The team header's figures: untriaged and overdue (two queries: the settings, the
    counts). Who is on call is on the request form and the rota."""
    latest = schedule.latest_triage_slot(settings_of(team), now or timezone.now())[1]
    counts = IntakeRequest.objects.filter(team=team, state=RequestState.NEW).aggregate(
        new=Count("pk"),
        overdue=Count("pk", filter=Q(needs_info=False, created_at__lt=latest)),
    )
    return HeaderCounts(new=counts["new"], overdue=counts["overdue"])


@dataclass(frozen=True)
class OnCallDuty:
    team: Team
    new: int
    overdue: int


def on_call_duties(user: Any, *, now: dt.datetime | None = None) -> list[OnCallDuty]:
    """The teams ``user`` is on call for right now, with their untriaged and overdue counts
    (one query for someone in no rotation, four otherwise)."""
    now = now or timezone.now()
    teams = list(
        Team.objects.filter(
            Q(rotation__user=user)
            | Q(on_call_overrides__user=user, on_call_overrides__ends_at__gt=now)
        )
        .distinct()
        .order_by("key")
    )
    if not teams:
        return []
    settings_by_team = {s.team_id: s for s in IntakeSettings.objects.filter(team__in=teams)}
    members: dict[int, list[int]] = {}
    overrides: dict[int, list[schedule.Override]] = {}
    for row in RotationMember.objects.filter(team__in=teams).order_by("team_id", "position"):
        members.setdefault(row.team_id, []).append(row.user_id)
    for o in OnCallOverride.objects.filter(team__in=teams, ends_at__gt=now).order_by("starts_at"):
        overrides.setdefault(o.team_id, []).append(
            schedule.Override(o.user_id, o.starts_at, o.ends_at)
        )
    mine: list[tuple[Team, dt.datetime]] = []
    for team in teams:
        settings = settings_by_team.get(team.pk) or IntakeSettings(team=team)
        settings.team = team
        current = schedule.on_call(
            settings, members.get(team.pk, []), overrides.get(team.pk, []), now
        )
        if current.user_id == user.pk:
            mine.append((team, schedule.latest_triage_slot(settings, now)[1]))
    if not mine:
        return []
    overdue_q = Q()
    for team, latest in mine:
        overdue_q |= Q(team=team, created_at__lt=latest)
    counts = {
        row["team_id"]: row
        for row in IntakeRequest.objects.filter(
            team__in=[t for t, _ in mine], state=RequestState.NEW
        )
        .values("team_id")
        .annotate(new=Count("pk"), overdue=Count("pk", filter=overdue_q & Q(needs_info=False)))
    }
    return [
        OnCallDuty(
            team,
            counts.get(team.pk, {}).get("new", 0),
            counts.get(team.pk, {}).get("overdue", 0),
        )
        for team, _ in mine
    ]


# --- Figures: the digest and the dashboard ---------------------------------------------------


@dataclass
class IntakeFigures:
    """What came in and what was done with it between two moments (the digest's week, the
    dashboard's last 28 days)."""

    new: int
    triaged: int
    overdue: int
    open: int
    median_hours_to_triage: float | None
    median_hours_to_first_response: float | None
    routed: list[tuple[str, int]]  # (team key, how many)
    accepted: list[IntakeRequest]  # each with its initiative (and task)

    @property
    def is_empty(self) -> bool:
        return not (self.new or self.triaged or self.overdue or self.open)


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def intake_figures(
    teams: list[Team], *, since: dt.datetime, until: dt.datetime, now: dt.datetime | None = None
) -> dict[int, IntakeFigures]:
    """By team: the requests that came in and were triaged (routed, accepted...) in
    [since, until), the medians of their times to triage and to first response, and what is
    open and overdue as of ``now``. One query for teams without requests in play, at most
    three whatever the number of teams and requests."""
    now = now or timezone.now()
    in_window = {"gte": since, "lt": until}
    mine = "intake_requests__"
    rows = list(
        Team.objects.filter(pk__in=[t.pk for t in teams])
        .select_related("intake_settings")
        .annotate(
            intake_new=Count(
                "intake_requests",
                filter=Q(**{f"{mine}created_at__{k}": v for k, v in in_window.items()}),
            ),
            intake_open=Count("intake_requests", filter=Q(**{f"{mine}state__in": OPEN_STATES})),
            intake_untriaged=Count(
                "intake_requests",
                filter=Q(**{f"{mine}state": RequestState.NEW, f"{mine}needs_info": False}),
            ),
            intake_decided=Count(
                "intake_requests",
                filter=Q(**{f"{mine}triaged_at__{k}": v for k, v in in_window.items()})
                | Q(**{f"{mine}first_response_at__{k}": v for k, v in in_window.items()}),
            ),
        )
        .order_by()
    )
    overdue = _overdue_counts([t for t in rows if t.intake_untriaged], now)
    decided: dict[int, list[IntakeRequest]] = {}
    busy = [t for t in rows if t.intake_decided]
    if busy:
        for r in (
            IntakeRequest.objects.filter(team__in=busy)
            .filter(
                Q(triaged_at__gte=since, triaged_at__lt=until)
                | Q(first_response_at__gte=since, first_response_at__lt=until)
            )
            .select_related("initiative__team", "task", "routed_to__team")
            .order_by("triaged_at", "pk")
        ):
            decided.setdefault(r.team_id, []).append(r)
    out = {}
    for team in rows:
        touched = decided.get(team.pk, [])
        triaged = [r for r in touched if r.triaged_at and since <= r.triaged_at < until]
        to_triage = [_hours(r.triaged_at - r.created_at) for r in triaged if r.triaged_at]
        to_respond = [
            _hours(r.first_response_at - r.created_at)
            for r in touched
            if r.first_response_at and since <= r.first_response_at < until
        ]
        routed: dict[str, int] = {}
        for r in triaged:
            if r.state == RequestState.ROUTED and r.routed_to is not None:
                routed[r.routed_to.team.key] = routed.get(r.routed_to.team.key, 0) + 1
        out[team.pk] = IntakeFigures(
            new=team.intake_new,
            triaged=len(triaged),
            overdue=overdue.get(team.pk, 0),
            open=team.intake_open,
            median_hours_to_triage=statistics.median(to_triage) if to_triage else None,
            median_hours_to_first_response=statistics.median(to_respond) if to_respond else None,
            routed=sorted(routed.items()),
            accepted=[r for r in triaged if r.state == RequestState.ACCEPTED],
        )
    return out


def _overdue_counts(teams: list[Team], now: dt.datetime) -> dict[int, int]:
    """Untriaged requests past each team's latest triage slot, by team (one query, none for no
    team); each team's ``intake_settings`` must be loaded."""
    if not teams:
        return {}
    past = Q()
    for team in teams:
        settings = getattr(team, "intake_settings", None) or IntakeSettings(team=team)
        settings.team = team
        past |= Q(team=team, created_at__lt=schedule.latest_triage_slot(settings, now)[1])
    return dict(
        IntakeRequest.objects.filter(past, state=RequestState.NEW, needs_info=False)
        .values("team_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("team_id", "n")
    )


def request_activity(request: IntakeRequest, limit: int = 50) -> list[ActivityEvent]:
    """The request's audit events, newest first (one query)."""
    return list(
        ActivityEvent.objects.filter(
            team_id=request.team_id, target_type="intakerequest", target_id=request.pk
        ).order_by("-created_at", "-pk")[:limit]
    )
