"""Intake's writes. Each is atomic, checks the actor's role and records exactly one audit
event (``services.common.record``), which ``services.publish`` offers to the webhooks and to
the requester's notifications. Accepting into an initiative or a task calls the existing
``initiative_create`` / ``task_create`` services (each with its own event)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from initiatives.intake import rules
from initiatives.intake import selectors as reads
from initiatives.intake.models import (
    Category,
    Impact,
    IntakeRequest,
    RequestState,
)
from initiatives.models import Initiative, Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import Conflict, NotAllowed, NotFound, ValidationFailed
from initiatives.services.common import (
    apply_changes,
    check_text,
    check_version,
    ensure_team_member,
    record,
    reject_unknown,
    require_text,
)
from initiatives.services.initiatives import initiative_create
from initiatives.services.tasks import task_create
from initiatives.weekly.schedule import local_moment


def request_event(
    request: IntakeRequest,
    actor: Any,
    verb: str,
    summary: str,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    initiative: Initiative | None = None,
) -> None:
    """The one audit event of a write to ``request``; ``after`` always names the requester
    and the state, which the notifications and webhooks read."""
    record(
        actor=actor,
        verb=verb,
        summary=summary,
        team_id=request.team_id,
        initiative=initiative,
        target=request,
        before=before,
        after={"state": request.state, "requester": request.requester_id, **(after or {})},
    )


def _clean_links(links: Any) -> list[str]:
    if links is None:
        return []
    if not isinstance(links, list | tuple):
        raise ValidationFailed(fields={"links": ["A list of links."]})
    if len(links) > rules.MAX_LINKS:
        raise ValidationFailed(fields={"links": [f"At most {rules.MAX_LINKS} links."]})
    clean = []
    validate = URLValidator(schemes=["http", "https"])
    for link in links:
        text = str(link or "").strip()
        if not text:
            continue
        try:
            if len(text) > 500:
                raise ValidationError("too long")
            validate(text)
        except ValidationError:
            raise ValidationFailed(
                fields={"links": [f"Not an http(s) link of at most 500 characters: {text[:80]}"]}
            ) from None
        clean.append(text)
    return clean


def _check_choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(fields={field: [f"Choose one of: {', '.join(choices.values)}."]})
    return value


def _lock(request: IntakeRequest) -> IntakeRequest:
    return (
        IntakeRequest.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=request.pk)
    )


def _triager(actor: Any, request: IntakeRequest) -> perms.Actor:
    """The actor as a triager of the request's team: NotFound for whoever cannot see the
    request, NotAllowed for its requester or a viewer."""
    who = perms.actor_for(actor, request.team_id)
    if not who.is_member:
        if request.requester_id == getattr(actor, "pk", None):
            raise NotAllowed("Only the team's members can triage its requests.")
        raise NotFound(f"No request {request.pk}.")
    perms.require(rules.can_triage(who), "Viewers cannot triage requests.")
    return who


# --- Filing and editing ----------------------------------------------------------------------


def request_create(
    *,
    team: Team,
    actor: Any,
    title: str,
    description: str = "",
    category: str = Category.QUESTION,
    impact: str = Impact.MEDIUM,
    links: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> IntakeRequest:
    """File a request to ``team``. Any signed-in user may, unless the team takes requests from
    its members only (NotFound for others). CAT1 and CAT2 go to the person on call."""
    check_text(title=title, description=description)
    title = require_text(title, "title", "Give the request a title.")
    _check_choice(category, Category, "category")
    _check_choice(impact, Impact, "impact")
    links = _clean_links(list(links) if links is not None else [])
    settings = reads.settings_of(team)
    who = perms.actor_for(actor, team)
    if not rules.can_ask(who, open_to_all=settings.open_to_all):
        raise NotFound(f"No team {team.key}.")
    assignee = None
    if category in rules.ON_CALL_CATEGORIES:
        assignee = reads.rota(team, now=now).on_call
    with transaction.atomic():
        request = IntakeRequest.objects.create(
            team=team,
            title=title,
            description=description or "",
            category=category,
            impact=impact,
            requester=actor,
            links=links,
            assignee=assignee,
        )
        request_event(
            request,
            actor,
            "request.created",
            f"New request #{request.pk} {request.title}",
            after={
                "title": request.title,
                "category": category,
                "impact": impact,
                "assignee": assignee.pk if assignee else None,
            },
        )
    return request


def request_update(
    *,
    request: IntakeRequest,
    actor: Any,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> IntakeRequest:
    """Edit an open request: its requester (title, description, links, impact) or the team's
    contributors (also the category and the assignee)."""
    reject_unknown(changes, rules.TEAM_FIELDS)
    check_text(**{k: v for k, v in changes.items() if k in ("title", "description")})
    changes = dict(changes)
    if "title" in changes:
        changes["title"] = require_text(changes["title"], "title", "Give the request a title.")
    if "category" in changes:
        _check_choice(changes["category"], Category, "category")
    if "impact" in changes:
        _check_choice(changes["impact"], Impact, "impact")
    if "links" in changes:
        changes["links"] = _clean_links(changes["links"])
    with transaction.atomic():
        locked = _lock(request)
        who = perms.actor_for(actor, locked.team_id)
        is_requester = locked.requester_id == getattr(actor, "pk", None)
        if not who.is_member and not is_requester:
            raise NotFound(f"No request {locked.pk}.")
        perms.require(rules.edit_refusal(who, locked, set(changes), is_requester=is_requester))
        check_version(locked, expected_version)
        if changes.get("assignee") is not None:
            ensure_team_member(changes["assignee"], locked.team_id, "assignee", allow_viewer=False)
        before, after = apply_changes(locked, changes)
        if not after:
            return locked
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        request_event(
            locked,
            actor,
            "request.updated",
            f"Edited request #{locked.pk}: {', '.join(sorted(after))}",
            before=before,
            after=after,
        )
    return locked


def request_answer(*, request: IntakeRequest, actor: Any, answer: str) -> IntakeRequest:
    """The requester answers the team's question: the answer is added to the description and
    the request is back in the queue."""
    check_text(answer=answer)
    answer = require_text(answer, "answer", "Write your answer.")
    with transaction.atomic():
        locked = _lock(request)
        if locked.requester_id != getattr(actor, "pk", None):
            who = perms.actor_for(actor, locked.team_id)
            perms.ensure_member(who)
            raise NotAllowed("Only the requester can answer the team's question.")
        if not locked.is_open or not locked.needs_info:
            raise Conflict("Nobody is waiting for an answer on this request.", code="no_question")
        stamp = timezone.localtime(timezone.now(), locked.team.tz).strftime("%-d %b %Y")
        addition = f"**Answer ({stamp})** to “{locked.question}”:\n\n{answer}"
        locked.description = f"{locked.description}\n\n{addition}".strip()[:20_000]
        locked.needs_info = False
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        request_event(locked, actor, "request.answered", f"Answered the question on #{locked.pk}")
    return locked


# --- Triage ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accept:
    """Where an accepted request goes: a new initiative (``initiative`` None), an existing
    initiative, or a new task of one (``task_title``)."""

    into: str  # new_initiative | initiative | task
    initiative: Initiative | None = None
    title: str = ""
    dri: Any = None


def _as_moment(until: dt.datetime | dt.date, team: Team) -> dt.datetime:
    if isinstance(until, dt.datetime):
        return until if timezone.is_aware(until) else timezone.make_aware(until, team.tz)
    return local_moment(until, dt.time(0, 0), team.tz)


def request_triage(
    *,
    request: IntakeRequest,
    actor: Any,
    action: str,
    reason: str = "",
    accept: Accept | None = None,
    team: Team | None = None,
    original: IntakeRequest | None = None,
    until: dt.datetime | dt.date | None = None,
    question: str = "",
    expected_version: int | None = None,
) -> IntakeRequest:
    """One triage action on an open request (``rules.ACTIONS``): accept, route, decline,
    duplicate, snooze or needs_info, each with what it needs. The first action is the first
    response; the first that leaves ``new`` is the triage."""
    check_text(reason=reason, question=question)
    refusal = rules.action_refusal(RequestState.NEW, action)
    if refusal and action not in rules.ACTIONS:
        raise ValidationFailed(refusal, fields={"action": [refusal]})
    now = timezone.now()
    with transaction.atomic():
        locked = _lock(request)
        _triager(actor, locked)
        check_version(locked, expected_version)
        refusal = rules.action_refusal(locked.state, action)
        if refusal:
            raise Conflict(refusal, code="request_closed")
        before = {"state": locked.state}
        after: dict[str, Any] = {"action": action}
        initiative: Initiative | None = None
        verb_summary = ""
        if action == "decline":
            locked.resolution_note = require_text(
                reason, "reason", "Say why the request is declined.", code="reason_required"
            )
            verb_summary = f"Declined request #{locked.pk}: {locked.resolution_note[:120]}"
        elif action == "duplicate":
            if original is None:
                raise ValidationFailed(
                    "Name the request this one repeats.",
                    fields={"original": ["Name the request this one repeats."]},
                    code="original_required",
                )
            _check_original(locked, original, actor)
            locked.duplicate_of = original
            locked.resolution_note = reason or ""
            after["original"] = original.pk
            verb_summary = f"Marked request #{locked.pk} a duplicate of #{original.pk}"
        elif action == "snooze":
            if until is None:
                raise ValidationFailed(fields={"until": ["Say until when."]}, code="until_required")
            moment = _as_moment(until, locked.team)
            if not now < moment <= now + rules.MAX_SNOOZE:
                message = "Snooze until a moment in the next 90 days."
                raise ValidationFailed(
                    message, fields={"until": [message]}, code="until_out_of_range"
                )
            locked.snoozed_until = moment
            locked.resolution_note = reason or ""
            after["until"] = moment.isoformat()
            verb_summary = f"Snoozed request #{locked.pk} until {moment:%Y-%m-%d}"
        elif action == "needs_info":
            locked.question = require_text(
                question or reason, "question", "Ask the requester a question.",
                code="question_required",
            )  # fmt: skip
            locked.needs_info = True
            after["question"] = locked.question
            verb_summary = f"Asked for more information on request #{locked.pk}"
        elif action == "route":
            if team is None:
                raise ValidationFailed(
                    fields={"team": ["Name the team to route to."]}, code="team_required"
                )
            if team.pk == locked.team_id:
                raise ValidationFailed(
                    fields={"team": ["The request is already with this team."]}, code="same_team"
                )
            locked.resolution_note = require_text(
                reason, "reason", "Add a note for the other team.", code="reason_required"
            )
            # Both teams' rows are written (each team's event moves its data version on):
            # lock them in one order, so that two routings in opposite directions cannot
            # deadlock.
            list(
                Team.objects.select_for_update()
                .filter(pk__in=[team.pk, locked.team_id])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            locked.routed_to = _route_copy(locked, team, actor)
            after["routed_to"] = locked.routed_to.pk
            after["team"] = team.key
            verb_summary = f"Routed request #{locked.pk} to {team.key}"
        elif action == "accept":
            if accept is None:
                raise ValidationFailed(
                    fields={
                        "into": ["Say where to accept it: new_initiative, initiative or task."]
                    },
                    code="into_required",
                )
            initiative = _accept(locked, accept, actor)
            after["initiative"] = initiative.key
            if locked.task_id:
                after["task"] = locked.task_id
            verb_summary = f"Accepted request #{locked.pk} into {initiative.key}"
        target = rules.ACTIONS[action].to
        if target is not None:
            locked.state = target
            if target != RequestState.TRIAGED:
                locked.closed_at = now
                locked.snoozed_until = None
                locked.needs_info = False
        if locked.first_response_at is None:
            locked.first_response_at = now
        if locked.triaged_at is None and locked.state != RequestState.NEW:
            locked.triaged_at = now
            locked.triaged_by = actor
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        after["state"] = locked.state
        request_event(
            locked,
            actor,
            "request.triaged",
            verb_summary,
            before=before,
            after=after,
            initiative=initiative,
        )
    return locked


def _check_original(request: IntakeRequest, original: IntakeRequest, actor: Any) -> None:
    if original.pk == request.pk:
        raise ValidationFailed(
            fields={"original": ["A request cannot repeat itself."]}, code="self_duplicate"
        )
    if original.team_id != request.team_id:
        raise NotFound(f"No request {original.pk} in {request.team.key}.")


def _route_copy(request: IntakeRequest, team: Team, actor: Any) -> IntakeRequest:
    """The request as a new one in ``team``'s queue (its requester keeps seeing both)."""
    who = perms.actor_for(actor, team)
    settings = reads.settings_of(team)
    if not rules.can_ask(who, open_to_all=settings.open_to_all):
        raise NotFound(f"No team {team.key}.")
    assignee = None
    if request.category in rules.ON_CALL_CATEGORIES:
        assignee = reads.rota(team).on_call
    copy = IntakeRequest.objects.create(
        team=team,
        title=request.title,
        description=request.description,
        category=request.category,
        impact=request.impact,
        requester=request.requester,
        source=request.source,
        links=request.links,
        assignee=assignee,
    )
    # The other team's own event: its queue changed (and its data version moves on).
    request_event(
        copy,
        actor,
        "request.created",
        f"New request #{copy.pk} {copy.title} (routed from {request.team.key})",
        after={
            "title": copy.title,
            "category": copy.category,
            "impact": copy.impact,
            "routed_from": request.pk,
        },
    )
    return copy


def _accept(request: IntakeRequest, accept: Accept, actor: Any) -> Initiative:
    if accept.into not in rules.ACCEPT_INTO:
        raise ValidationFailed(fields={"into": ["Choose new_initiative, initiative or task."]})
    if accept.into == "new_initiative":
        summary = request.description
        if request.requester is not None:
            summary = f"{summary}\n\n(From request #{request.pk})".strip()
        initiative = initiative_create(
            team=request.team,
            actor=actor,
            title=(accept.title or request.title).strip(),
            summary=summary[:20_000],
            dri=accept.dri or actor,
        )
        request.initiative = initiative
        return initiative
    if accept.initiative is None or accept.initiative.team_id != request.team_id:
        message = "Name an initiative of this team."
        raise ValidationFailed(
            message, fields={"initiative": [message]}, code="initiative_required"
        )
    request.initiative = accept.initiative
    if accept.into == "task":
        request.task = task_create(
            initiative=accept.initiative,
            actor=actor,
            title=(accept.title or request.title).strip(),
        )
    return accept.initiative


@dataclass(frozen=True)
class BulkOutcome:
    done: list[IntakeRequest]
    refused: list[tuple[int, str]]  # (request id, why)


def requests_bulk_triage(
    *, team: Team, actor: Any, ids: Iterable[int], action: str, **params: Any
) -> BulkOutcome:
    """The same triage action on several requests of ``team``; each is its own write (and
    event), and one refused does not stop the others."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise ValidationFailed(fields={"ids": ["Choose at least one request."]})
    if len(ids) > rules.MAX_BULK:
        raise ValidationFailed(fields={"ids": [f"At most {rules.MAX_BULK} at once."]})
    if action in ("accept", "route", "duplicate"):
        # One initiative, team or original for many requests is rarely what was meant.
        raise ValidationFailed(
            fields={"action": ["Bulk triage declines, snoozes or asks for information."]}
        )
    who = perms.actor_for(actor, team)
    perms.ensure_member(who)
    perms.require(rules.can_triage(who), "Viewers cannot triage requests.")
    found = {r.pk: r for r in IntakeRequest.objects.filter(team=team, pk__in=ids)}
    done, refused = [], []
    for pk in ids:
        request = found.get(pk)
        if request is None:
            refused.append((pk, "Not a request of this team."))
            continue
        try:
            done.append(request_triage(request=request, actor=actor, action=action, **params))
        except ValidationFailed as error:
            refused.append(
                (pk, " ".join(m for ms in error.fields.values() for m in ms) or error.message)
            )
        except Conflict as error:
            refused.append((pk, error.message))
    return BulkOutcome(done=done, refused=refused)
