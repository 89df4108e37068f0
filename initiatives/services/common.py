"""What every service shares: locking, optimistic versions, validation and the audit row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from initiatives.audit.chain import chain_of, seal
from initiatives.compiled import CompiledRead
from initiatives.models import ActivityEvent, Initiative, Membership, State, Team
from initiatives.models.initiative import split_key
from initiatives.rules.exceptions import Conflict, NotFound, StaleWrite, ValidationFailed
from initiatives.rules.limits import text_errors
from initiatives.rules.permissions import Actor, actor_for, ensure_member, prime_roles, require
from initiatives.services.publish import publish


def lock_initiative(initiative: Initiative | int) -> Initiative:
    """The initiative's row, locked until the transaction ends (a no-op lock on SQLite,
    where writes are serialised anyway)."""
    pk = initiative if isinstance(initiative, int) else initiative.pk
    # ``of=("self",)``: the joined team row is read, not locked.
    return Initiative.objects.select_for_update(of=("self",)).select_related("team").get(pk=pk)


def _locked_with_role(initiatives: Any, user_id: int) -> Any:
    """``initiatives`` (at most one), locked, with ``user_id``'s role in the team."""
    role = Membership.objects.filter(team_id=OuterRef("team_id"), user_id=user_id).values("role")
    return (
        initiatives.select_for_update(of=("self",))
        .annotate(caller_role=Subquery(role[:1]))
        .order_by()[:1]
    )


# Built once per process (initiatives.compiled): the first statement of every task edit and of
# every update posted through the API.
_LOCK_BY_TASK: CompiledRead[Initiative] = CompiledRead(
    lambda task_id, user_id: _locked_with_role(
        Initiative.objects.filter(tasks__pk=task_id), user_id
    ),
    related=("team",),
    task_id=int,
    user_id=int,
)
_LOCK_BY_KEY: CompiledRead[Initiative] = CompiledRead(
    lambda team_key, number, user_id: _locked_with_role(
        Initiative.objects.filter(team__key=team_key, number=number), user_id
    ),
    related=("team",),
    team_key=str,
    number=int,
    user_id=int,
)


def lock_initiative_as(
    actor: Any, missing: str, *, key: str | None = None, task_id: int | None = None
) -> Initiative:
    """The initiative ``key`` (or of the task ``task_id``), locked, with its team (not locked)
    and ``actor``'s role in that team read in the same statement and remembered for the
    permission checks: the row is read once, with its lock. NotFound(``missing``) when there
    is none; a non-member is refused by the caller's ``member_actor`` (NotFound too)."""
    found: list[Initiative] = []
    if task_id is not None:
        found = _LOCK_BY_TASK.rows(task_id=task_id, user_id=actor.pk)
    elif key is not None:
        parts = split_key(key)
        if parts is not None:
            found = _LOCK_BY_KEY.rows(team_key=parts[0], number=parts[1], user_id=actor.pk)
    if not found:
        raise NotFound(missing)
    initiative = found[0]
    role_now: str | None = getattr(initiative, "caller_role", None)
    members = []
    if role_now:
        members = [Membership(user_id=actor.pk, team_id=initiative.team_id, role=role_now)]
    prime_roles(actor, initiative.team_id, members)
    return initiative


def member_actor(user: Any, initiative: Initiative) -> Actor:
    """The caller's standing in the initiative's team; NotFound for non-members."""
    actor = actor_for(user, initiative.team_id)
    ensure_member(actor)
    return actor


def require_team_admin(user: Any, team: Team) -> None:
    """Team settings (members, schedule, checklist templates) are changed by the team's EM,
    or by a superuser in the Django admin; non-members get NotFound."""
    if getattr(user, "is_superuser", False):
        return
    who = actor_for(user, team)
    ensure_member(who)
    require(who.is_em, "Only an engineering manager can change the team's settings.")


def ensure_writable(initiative: Initiative) -> None:
    if initiative.state == State.CANCELLED:
        raise Conflict("A cancelled initiative is read-only.", code="read_only")


def check_version(obj: models.Model, expected: int | None) -> None:
    current = obj.version  # type: ignore[attr-defined]
    if expected is not None and expected != current:
        raise StaleWrite(
            "This was changed by someone else since you read it; reload and try again.",
            data={"current_version": current, "your_version": expected},
        )


def full_clean(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Model validation (lengths, URLs, choices) as the domain's ValidationFailed."""
    # Related rows are checked by the services themselves (membership, same initiative);
    # Django's per-field existence query would only repeat that.
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    try:
        obj.full_clean(
            exclude=[*exclude, *relations], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        raise ValidationFailed(fields=error.message_dict) from None


def reject_unknown(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "Unknown fields.", fields={name: ["This field cannot be changed."] for name in unknown}
        )


def apply_changes(obj: models.Model, changes: Mapping[str, Any]) -> tuple[dict, dict]:
    """Set the ``changes`` that differ from ``obj``'s values; returns (before, after) of those."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(obj, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(obj, name, value)
    return before, after


def check_text(**fields: object) -> None:
    """Refuse texts over their cap or holding NUL (``rules.limits``), naming each field: the one
    check every write makes before it stores people's text."""
    errors = text_errors(fields)
    if errors:
        raise ValidationFailed("Some text is too long or not valid.", fields=errors)


def require_text(value: str | None, field: str, message: str, *, code: str = "invalid") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, fields={field: [message]}, code=code)
    return text


def ensure_team_member(user: Any, team_id: int, field: str, *, allow_viewer: bool = True) -> None:
    if user is None:
        return
    roles = Membership.objects.filter(team_id=team_id, user=user).values_list("role", flat=True)
    role = next(iter(roles), None)
    if role is None or (not allow_viewer and role == "viewer"):
        message = f"{user} is not a contributor of this team."
        raise ValidationFailed(message, fields={field: [message]}, code="not_contributor")


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    return value


def display_name(user: Any) -> str:
    """How a person is named in the audit log and on checklist decisions: their full name,
    else their username; empty for no one (a system job)."""
    if not getattr(user, "pk", None):
        return ""
    return (user.get_full_name() or user.get_username())[:150]


def field_labels(model: type[models.Model], names: Iterable[str]) -> str:
    """The fields ``names`` of ``model`` as people read them ("design doc, target date"), for
    the audit log's summaries: labels, never column names."""
    labels = []
    for name in sorted(names):
        try:
            field = model._meta.get_field(name)
            labels.append(str(getattr(field, "verbose_name", name)))
        except FieldDoesNotExist:
            labels.append(name.replace("_", " "))
    return ", ".join(labels)


def bump_data_version(team_id: int) -> None:
    """Move the team's data version on (``Team.data_version``): what every cached read of the
    team is keyed by. The UPDATE holds the team row's lock until the transaction ends, so the
    team's writers pass this point one at a time, in the order they commit."""
    Team.objects.filter(pk=team_id).update(data_version=F("data_version") + 1)


def _newest_hash(chain: dict[str, Any]) -> Any:
    return ActivityEvent.objects.filter(**chain).order_by("-pk").values_list("content_hash")[:1]


# Built once per process (initiatives.compiled): every write reads one of them.
_NEWEST_OF_INITIATIVE: CompiledRead[ActivityEvent] = CompiledRead(
    lambda initiative_id: _newest_hash(chain_of(ActivityEvent(initiative_id=initiative_id))),
    initiative_id=int,
)
_NEWEST_OF_TEAM: CompiledRead[ActivityEvent] = CompiledRead(
    lambda team_id: _newest_hash(chain_of(ActivityEvent(team_id=team_id))),
    team_id=int,
)


def _previous_hash(event: ActivityEvent) -> str | None:
    """The hash of the newest event of ``event``'s chain (``audit.chain.chain_of``)."""
    if event.initiative_id is not None:
        rows = _NEWEST_OF_INITIATIVE.values(initiative_id=event.initiative_id)
    else:
        rows = _NEWEST_OF_TEAM.values(team_id=event.team_id)
    return rows[0][0] if rows else None


def record(
    *,
    actor: Any,
    verb: str,
    summary: str,
    initiative: Initiative | None = None,
    team_id: int | None = None,
    target: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    via: str = "",
) -> ActivityEvent:
    """Append the audit row of one write. Every service calls this exactly once, inside the
    write's transaction: it moves the team's data version on, names the actor as they are
    called today, and chains the row to the previous event of its initiative.

    ``via`` names where a write came from when not the web UI or the API (``"slack"``,
    ``"mattermost"``): kept in the event's ``after`` data as ``via``, which the hash covers
    like the rest of it (no new column, the chain's format unchanged)."""
    team = team_id if team_id is not None else initiative.team_id  # type: ignore[union-attr]
    # First, so that the team's lock orders the chain: the previous event read below is the
    # newest committed one, and no other writer of the team inserts in between.
    bump_data_version(team)
    event = ActivityEvent(
        team_id=team,
        initiative=initiative,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=display_name(actor),
        verb=verb,
        summary=summary[:300],
        target_type=(target._meta.model_name or "") if target is not None else "",
        target_id=target.pk if target is not None else None,
        before={k: jsonable(v) for k, v in (before or {}).items()},
        after={
            k: jsonable(v) for k, v in {**(after or {}), **({"via": via} if via else {})}.items()
        },
        created_at=timezone.now(),
    )
    seal(event, _previous_hash(event))
    event.save(force_insert=True)
    publish(event)
    return event
