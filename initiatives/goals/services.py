"""Every write to goals, key results, check-ins and their links to initiatives. Each is
atomic, checks the actor's role (``goals.rules``) and records exactly one audit event
(``services.common.record``), which moves the team's data version on and is offered to the
subscribers (webhooks, notifications) like any other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from initiatives.goals import rules
from initiatives.goals.models import (
    CheckIn,
    Direction,
    Goal,
    GoalStatus,
    KeyResult,
    KRKind,
    Period,
)
from initiatives.models import Health, Initiative, State, Team
from initiatives.rules import permissions as perms
from initiatives.rules.dates import team_today
from initiatives.rules.exceptions import Conflict, NotAllowed, NotFound, ValidationFailed
from initiatives.rules.workflow import iso_week
from initiatives.services.common import (
    apply_changes,
    check_text,
    check_version,
    ensure_team_member,
    record,
    reject_unknown,
    require_text,
)

GOAL_FIELDS = ("title", "description", "owner", "period", "starts_on", "ends_on", "status")
KR_FIELDS = ("title", "owner", "kind", "unit", "baseline", "target", "direction", "band_low",
             "band_high")  # fmt: skip
MEASURE_FIELDS = ("kind", "direction", "baseline", "target", "band_low", "band_high")


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(fields={field: [f"Choose one of: {', '.join(choices.values)}."]})
    return value


def _ensure_member_or_refuse_shared(who: perms.Actor, goal: Goal | None) -> None:
    """NotAllowed for a member of a team ``goal`` is shared with (they see it), NotFound for
    everyone else outside the goal's team."""
    if not who.is_member and goal is not None:
        shared = goal.shared_with.filter(memberships__user_id=getattr(who.user, "pk", 0) or 0)
        if shared.exists():
            raise NotAllowed(f"Only {goal.team.key}'s members change its goals.")
    perms.ensure_member(who)


def _editor(actor: Any, team_id: int, goal: Goal | None = None) -> perms.Actor:
    """The actor as an editor of the team's goals: NotAllowed for viewers and for members of
    a team ``goal`` is shared with (they see it), NotFound for everyone else."""
    who = perms.actor_for(actor, team_id)
    _ensure_member_or_refuse_shared(who, goal)
    perms.require(rules.can_edit_goals(who), "Viewers cannot change goals.")
    return who


def default_end(starts_on: dt.date, period: str) -> dt.date:
    """The day before the same date ``PERIOD_MONTHS`` later: 1 Jan -> 31 Mar for a quarter."""
    months = starts_on.month - 1 + rules.PERIOD_MONTHS[Period(period)]
    try:
        first = starts_on.replace(year=starts_on.year + months // 12, month=months % 12 + 1, day=1)
        return first + dt.timedelta(days=starts_on.day - 1) - dt.timedelta(days=1)
    except (ValueError, OverflowError):  # beyond the year 9999
        message = "The period would end after the year 9999."
        raise ValidationFailed(
            message, fields={"ends_on": [message]}, code="invalid_period"
        ) from None


def _check_dates(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on <= starts_on:
        message = "The end must come after the start."
        raise ValidationFailed(message, fields={"ends_on": [message]}, code="invalid_period")


def _check_shared(team: Team, shared_with: Iterable[Team]) -> list[Team]:
    teams = list({t.pk: t for t in shared_with}.values())
    if any(t.pk == team.pk for t in teams):
        message = "A goal is shared with other teams, not with its own."
        raise ValidationFailed(message, fields={"shared_with": [message]}, code="own_team")
    return teams


@transaction.atomic
def goal_create(
    *,
    team: Team,
    actor: Any,
    title: str,
    starts_on: dt.date,
    description: str = "",
    owner: Any = None,
    period: str = Period.QUARTER,
    ends_on: dt.date | None = None,
    status: str = GoalStatus.ON_TRACK,
    shared_with: Iterable[Team] = (),
) -> Goal:
    _editor(actor, team.pk)
    title = require_text(title, "title", "A goal needs a title.")
    check_text(title=title, description=description)
    _choice(period, Period, "period")
    _choice(status, GoalStatus, "status")
    owner = owner or actor
    ensure_team_member(owner, team.pk, "owner", allow_viewer=False)
    ends_on = ends_on or default_end(starts_on, period)
    _check_dates(starts_on, ends_on)
    shared = _check_shared(team, shared_with)
    goal = Goal.objects.create(
        team=team, title=title, description=description, owner=owner, period=period,
        starts_on=starts_on, ends_on=ends_on, status=status,
    )  # fmt: skip
    if shared:
        goal.shared_with.set(shared)
    record(
        actor=actor, verb="goal.created", summary=f"Goal: {title}", team_id=team.pk, target=goal,
        after={"title": title, "owner": owner, "status": status, "starts_on": str(starts_on),
               "ends_on": str(ends_on), "shared_with": [t.key for t in shared]},
    )  # fmt: skip
    return goal


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    actor: Any,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Goal:
    reject_unknown(changes, (*GOAL_FIELDS, "shared_with"))
    _editor(actor, goal.team_id, goal)
    goal = Goal.objects.select_for_update(of=("self",)).select_related("team").get(pk=goal.pk)
    check_version(goal, expected_version)
    changes = dict(changes)
    shared = changes.pop("shared_with", None)
    if "title" in changes:
        changes["title"] = require_text(changes["title"], "title", "A goal needs a title.")
    check_text(**{k: v for k, v in changes.items() if k in ("title", "description")})
    if "period" in changes:
        _choice(changes["period"], Period, "period")
    if "status" in changes:
        _choice(changes["status"], GoalStatus, "status")
    if changes.get("owner") is not None:
        ensure_team_member(changes["owner"], goal.team_id, "owner", allow_viewer=False)
    elif "owner" in changes:
        changes.pop("owner")
    _check_dates(changes.get("starts_on", goal.starts_on), changes.get("ends_on", goal.ends_on))
    before, after = apply_changes(goal, changes)
    if shared is not None:
        old = sorted(goal.shared_with.values_list("key", flat=True))
        new_teams = _check_shared(goal.team, shared)
        new = sorted(t.key for t in new_teams)
        if old != new:
            goal.shared_with.set(new_teams)
            before["shared_with"], after["shared_with"] = old, new
    if not after:
        return goal
    goal.version += 1
    goal.save()
    record(
        actor=actor, verb="goal.updated", summary=f"Goal edited: {goal.title}",
        team_id=goal.team_id, target=goal,
        before={k: str(v) if isinstance(v, dt.date) else v for k, v in before.items()},
        after={k: str(v) if isinstance(v, dt.date) else v for k, v in after.items()},
    )  # fmt: skip
    return goal


def _measure(values: Mapping[str, Any]) -> None:
    _choice(values["kind"], KRKind, "kind")
    _choice(values["direction"], Direction, "direction")
    errors = rules.measure_errors(**{name: values[name] for name in MEASURE_FIELDS})
    if errors:
        raise ValidationFailed(
            "The measure does not add up.", fields=errors, code="invalid_measure"
        )


@transaction.atomic
def key_result_create(
    *,
    goal: Goal,
    actor: Any,
    title: str,
    owner: Any = None,
    kind: str = KRKind.RESULT,
    unit: str = "",
    baseline: float = 0.0,
    target: float | None = None,
    direction: str = Direction.INCREASE,
    band_low: float | None = None,
    band_high: float | None = None,
) -> KeyResult:
    _editor(actor, goal.team_id, goal)
    title = require_text(title, "title", "A key result needs a title.")
    check_text(title=title)
    if len(unit) > 30:
        raise ValidationFailed(fields={"unit": ["At most 30 characters."]})
    owner = owner or actor
    ensure_team_member(owner, goal.team_id, "owner", allow_viewer=False)
    values = {"kind": kind, "direction": direction, "baseline": baseline, "target": target,
              "band_low": band_low, "band_high": band_high}  # fmt: skip
    _measure(values)
    kr = KeyResult.objects.create(goal=goal, title=title, owner=owner, unit=unit, **values)
    record(
        actor=actor, verb="key_result.created", summary=f"Key result: {title}",
        team_id=goal.team_id, target=kr,
        after={"goal": goal.pk, "title": title, "owner": owner, "unit": unit, **values},
    )  # fmt: skip
    return kr


def _lock_kr(key_result: KeyResult) -> KeyResult:
    return (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("goal__team")
        .get(pk=key_result.pk)
    )


@transaction.atomic
def key_result_update(
    *,
    key_result: KeyResult,
    actor: Any,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> KeyResult:
    reject_unknown(changes, KR_FIELDS)
    _editor(actor, key_result.goal.team_id, key_result.goal)
    kr = _lock_kr(key_result)
    check_version(kr, expected_version)
    changes = dict(changes)
    if "title" in changes:
        changes["title"] = require_text(changes["title"], "title", "A key result needs a title.")
        check_text(title=changes["title"])
    if len(changes.get("unit") or "") > 30:
        raise ValidationFailed(fields={"unit": ["At most 30 characters."]})
    if changes.get("owner") is not None:
        ensure_team_member(changes["owner"], kr.goal.team_id, "owner", allow_viewer=False)
    elif "owner" in changes:
        changes.pop("owner")
    if "baseline" in changes and changes["baseline"] is None:
        changes.pop("baseline")
    _measure({name: changes.get(name, getattr(kr, name)) for name in MEASURE_FIELDS})
    before, after = apply_changes(kr, changes)
    if not after:
        return kr
    kr.version += 1
    kr.save()
    record(
        actor=actor, verb="key_result.updated", summary=f"Key result edited: {kr.title}",
        team_id=kr.goal.team_id, target=kr, before=before, after=after,
    )  # fmt: skip
    return kr


def current_week(team: Team, now: dt.datetime | None = None) -> str:
    """The ISO week of today in the team's time zone: the week a check-in counts for."""
    return iso_week(team_today(team.tz, now or timezone.now()))


@transaction.atomic
def check_in(
    *,
    key_result: KeyResult,
    actor: Any,
    value: float,
    confidence: int | None = None,
    confidence_level: str = "",
    note: str = "",
    week: str | None = None,
) -> CheckIn:
    """The key result's value this week (the team's week). A second check-in in the same week
    revises the first: the earlier value, confidence, note, author and time go to its
    ``revisions``. ``week``: an EM importing history records an earlier week of the goal's
    period (the demo data; not offered by the web or the API)."""
    kr = key_result
    who = perms.actor_for(actor, kr.goal.team_id)
    _ensure_member_or_refuse_shared(who, kr.goal)
    perms.require(
        rules.can_check_in(who, kr.owner_id),
        "Only the key result's owner or an engineering manager can check in.",
    )
    if not kr.goal.is_open:
        raise Conflict(
            f"The goal is {kr.goal.get_status_display().lower()}: its key results take no more "
            "check-ins.",
            code="goal_closed",
        )
    check_text(note=note)
    if not -rules.VALUE_LIMIT <= value <= rules.VALUE_LIMIT:
        raise ValidationFailed(fields={"value": [f"At most {rules.VALUE_LIMIT:g} either way."]})
    if confidence is not None and not 0 <= confidence <= 100:
        raise ValidationFailed(fields={"confidence": ["A percentage from 0 to 100."]})
    if confidence_level:
        _choice(confidence_level, Health, "confidence_level")
    kr = _lock_kr(kr)
    now = timezone.now()
    this_week = current_week(kr.goal.team, now)
    if week is not None and week != this_week:
        perms.require(who.is_em, "Only an engineering manager records earlier weeks.")
        first = iso_week(kr.goal.starts_on)
        if not first <= week < this_week:
            message = f"Not a past week of the goal's period ({first} to {this_week})."
            raise ValidationFailed(message, fields={"week": [message]})
    week = week or this_week
    existing = CheckIn.objects.select_for_update().filter(key_result=kr, week=week).first()
    fields = {"value": value, "confidence": confidence, "confidence_level": confidence_level,
              "note": note}  # fmt: skip
    if existing is None:
        entry = CheckIn.objects.create(
            key_result=kr, week=week, author=actor, updated_at=now, **fields
        )
        verb, summary = "key_result.checked_in", f"Checked in {kr.title}: {value:g}{kr.unit}"
        before: dict[str, Any] = {}
    else:
        entry = existing
        before = {
            "value": entry.value,
            "confidence": entry.confidence,
            "confidence_level": entry.confidence_level,
            "note": entry.note,
            "author": entry.author_id,
            "at": entry.updated_at.isoformat(),
        }
        entry.revisions = [*entry.revisions, before]
        for name, new in fields.items():
            setattr(entry, name, new)
        entry.author, entry.updated_at = actor, now
        entry.save()
        verb, summary = "key_result.check_in_revised", f"Revised {kr.title}: {value:g}{kr.unit}"
    record(
        actor=actor, verb=verb, summary=summary, team_id=kr.goal.team_id, target=kr,
        before={k: v for k, v in before.items() if k in fields},
        after={"week": week, **fields},
    )  # fmt: skip
    return entry


# --- Links to initiatives --------------------------------------------------------------------


def may_serve(initiative: Initiative, goal: Goal, shared_team_ids: Iterable[int]) -> bool:
    """An initiative may contribute to the key results of its own team's goals and of goals
    shared with its team."""
    return initiative.team_id == goal.team_id or initiative.team_id in set(shared_team_ids)


def _linker(actor: Any, initiative: Initiative) -> None:
    who = perms.actor_for(actor, initiative.team_id)
    perms.ensure_member(who)
    perms.require(
        who.is_contributor, "Only the initiative's team's contributors can link it to goals."
    )
    if initiative.state == State.CANCELLED:
        raise Conflict("A cancelled initiative is read-only.", code="read_only")


@transaction.atomic
def initiative_key_results_set(
    *, initiative: Initiative, actor: Any, key_results: Iterable[KeyResult | int]
) -> list[int]:
    """Make ``key_results`` (rows or ids) exactly the key results ``initiative`` contributes
    to (one event on the initiative); each must belong to a goal of its team or shared with
    it (else ``unknown_key_result``, as if it did not exist)."""
    _linker(actor, initiative)
    wanted_ids = {kr if isinstance(kr, int) else kr.pk for kr in key_results}
    wanted = {
        kr.pk: kr
        for kr in KeyResult.objects.filter(pk__in=wanted_ids).filter(_serves(initiative.team_id))
    }
    unknown = sorted(wanted_ids - set(wanted))
    if unknown:
        message = f"No key result {unknown[0]} among the goals of {initiative.team.key} or "
        message += "shared with it."
        raise ValidationFailed(
            message, fields={"key_results": [message]}, code="unknown_key_result"
        )
    current = set(initiative.key_results.values_list("pk", flat=True))
    if current == set(wanted):
        return sorted(current)
    initiative.key_results.set(list(wanted.values()))
    added, removed = sorted(set(wanted) - current), sorted(current - set(wanted))
    parts = []
    if added:
        parts.append("serves " + ", ".join(wanted[pk].title for pk in added))
    if removed:
        parts.append(
            f"no longer serves {len(removed)} key result{'s' if len(removed) != 1 else ''}"
        )
    record(
        actor=actor, verb="initiative.key_results_changed",
        summary=f"{initiative.key} " + "; ".join(parts), initiative=initiative,
        before={"key_results": sorted(current)}, after={"key_results": sorted(wanted)},
    )  # fmt: skip
    return sorted(wanted)


def _serves(team_id: int) -> Q:
    return Q(goal__team_id=team_id) | Q(goal__shared_with__id=team_id)


def key_result_link(*, key_result: KeyResult, initiative: Initiative, actor: Any) -> list[int]:
    """Add ``initiative`` to the contributors of ``key_result``."""
    current = list(initiative.key_results.values_list("pk", flat=True))
    return initiative_key_results_set(
        initiative=initiative, actor=actor, key_results=[*current, key_result.pk]
    )


def key_result_unlink(*, key_result: KeyResult, initiative: Initiative, actor: Any) -> list[int]:
    current = list(initiative.key_results.values_list("pk", flat=True))
    if key_result.pk not in current:
        raise NotFound(f"{initiative.key} does not serve key result {key_result.pk}.")
    return initiative_key_results_set(
        initiative=initiative,
        actor=actor,
        key_results=[pk for pk in current if pk != key_result.pk],
    )
