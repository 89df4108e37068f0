"""Every write of the collaboration package: atomic, permission-checked (``rules.collab``,
``rules.permissions``) and audited with exactly one event (``services.common.record``), which
``services.publish`` offers to the subscribers (notifications, webhooks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from initiatives.collab.models import (
    REACTIONS,
    Comment,
    Follow,
    Mention,
    Reaction,
    RequestStatus,
    SignoffRequest,
    TargetKind,
)
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    Initiative,
    Milestone,
    StatusUpdate,
)
from initiatives.rules import collab as rules
from initiatives.rules import permissions as perms
from initiatives.rules.dates import refuse_past_date, team_today
from initiatives.rules.exceptions import Conflict, NotFound, ValidationFailed
from initiatives.services.common import (
    check_text,
    check_version,
    ensure_writable,
    lock_initiative,
    member_actor,
    record,
    require_text,
)

User = get_user_model()

# --- Mentions --------------------------------------------------------------------------------


def mentionable(team_id: int, handles: list[str]) -> list[Any]:
    """The members of the team named by ``handles`` (lower-cased usernames). A stakeholder
    is always a member of the initiative's team, so nobody from another team can be
    mentioned into it; an unknown handle stays text."""
    if not handles:
        return []
    return list(
        User.objects.annotate(handle=Lower("username"))
        .filter(handle__in=handles, memberships__team_id=team_id, is_active=True)
        .distinct()
    )


def mentions_save(
    *, initiative: Initiative, source_kind: str, source_id: int, text: str, event: ActivityEvent
) -> list[int]:
    """Resolve the ``@mentions`` of a text just saved; record the people named for the first
    time in it (with the event that named them) and return their ids. Part of the write that
    saved the text (its transaction), never a write of its own."""
    people = mentionable(initiative.team_id, rules.mentioned_handles(text))
    if not people:
        return []
    known = set(
        Mention.objects.filter(source_kind=source_kind, source_id=source_id).values_list(
            "user_id", flat=True
        )
    )
    new = [p for p in people if p.pk not in known]
    Mention.objects.bulk_create(
        [
            Mention(
                initiative=initiative,
                source_kind=source_kind,
                source_id=source_id,
                user=p,
                event_id=event.pk,
            )
            for p in new
        ],
        ignore_conflicts=True,
    )
    return [p.pk for p in new]


def update_mentions_save(*, event: ActivityEvent) -> list[int]:
    """Resolve the ``@mentions`` of the weekly update an event posted or revised, right after
    it committed (``notifications`` calls this before notifying; idempotent: a text's
    mentions are unique per person)."""
    update = StatusUpdate.objects.filter(pk=event.target_id or 0).first()
    if update is None or event.initiative is None:
        return []
    return mentions_save(
        initiative=event.initiative,
        source_kind=Mention.Source.UPDATE,
        source_id=update.pk,
        text="\n".join((update.progress, update.risks, update.next_week)),
        event=event,
    )


# --- Comments --------------------------------------------------------------------------------

TARGET_MODELS: dict[str, Any] = {
    TargetKind.UPDATE: StatusUpdate,
    TargetKind.MILESTONE: Milestone,
    TargetKind.ITEM: ChecklistItem,
}


def resolve_target(initiative: Initiative, target_kind: str, target_id: int | None) -> int:
    """The id a comment on ``target_kind`` of ``initiative`` is filed under; the part must
    belong to that initiative."""
    if target_kind not in TargetKind.values:
        raise ValidationFailed(fields={"target": ["Choose what the comment is about."]})
    if target_kind == TargetKind.INITIATIVE:
        if target_id not in (None, initiative.pk):
            raise ValidationFailed(
                fields={"target_id": ["Not this initiative."]}, code="unknown_target"
            )
        return initiative.pk
    model = TARGET_MODELS[target_kind]
    if target_id is None or not model.objects.filter(pk=target_id, initiative=initiative).exists():
        raise ValidationFailed(
            fields={"target_id": [f"No such {TargetKind(target_kind).label.lower()} here."]},
            code="unknown_target",
        )
    return target_id


def _clean_body(body: str | None) -> str:
    check_text(body=body)
    return require_text(body, "body", "Write something.")


def comment_create(
    *,
    initiative: Initiative,
    actor: Any,
    body: str,
    target_kind: str = TargetKind.INITIATIVE,
    target_id: int | None = None,
    parent: Comment | None = None,
) -> Comment:
    """Post a comment on the initiative or one of its parts, or a reply to a comment (a reply
    to a reply joins the same thread: threads are one level deep)."""
    body = _clean_body(body)
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(rules.can_comment(who), "Viewers cannot comment.")
        ensure_writable(locked)
        replied_to = None
        if parent is not None:
            if parent.initiative_id != locked.pk:
                raise ValidationFailed(
                    fields={"parent": ["That comment is on another initiative."]},
                    code="unknown_target",
                )
            replied_to = parent
            parent = parent.parent or parent
            target_kind, target_id = parent.target_kind, parent.target_id
        else:
            target_id = resolve_target(locked, target_kind, target_id)
        comment = Comment.objects.create(
            initiative=locked,
            target_kind=target_kind,
            target_id=target_id,
            parent=parent,
            author=actor,
            body=body,
        )
        after: dict[str, Any] = {
            "target_kind": target_kind,
            "target_id": target_id,
            "length": len(body),
        }
        if replied_to is not None:
            after["parent"] = parent.pk if parent else None
            after["replied_to_author"] = replied_to.author_id
        event = record(
            actor=actor,
            verb="comment.created",
            summary=f"{'Replied' if replied_to else 'Commented'} on "
            f"{TargetKind(target_kind).label.lower()} of {locked.key}",
            initiative=locked,
            target=comment,
            after=after,
        )
        mentions_save(
            initiative=locked,
            source_kind=Mention.Source.COMMENT,
            source_id=comment.pk,
            text=body,
            event=event,
        )
    return comment


def _locked_comment(comment: Comment | int) -> Comment:
    pk = comment if isinstance(comment, int) else comment.pk
    found = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("initiative__team")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("No such comment.")
    return found


def comment_edit(
    *, comment: Comment, actor: Any, body: str, expected_version: int | None = None
) -> Comment:
    """The author changes their comment; after the grace period it shows "edited". People
    named for the first time are mentioned (and notified) once; those named before are not
    mentioned again."""
    body = _clean_body(body)
    with transaction.atomic():
        locked = _locked_comment(comment)
        initiative = locked.initiative
        who = member_actor(actor, initiative)
        perms.require(rules.comment_edit_refusal(who, locked))
        ensure_writable(initiative)
        check_version(locked, expected_version)
        if body == locked.body:
            return locked
        now = timezone.now()
        before = {"length": len(locked.body)}
        locked.body = body
        if rules.edit_is_marked(locked, now):
            locked.edited_at = now
        locked.version += 1
        locked.save()
        event = record(
            actor=actor,
            verb="comment.edited",
            summary=f"Edited a comment on {initiative.key}",
            initiative=initiative,
            target=locked,
            before=before,
            after={"length": len(body), "marked": locked.edited_at is not None},
        )
        mentions_save(
            initiative=initiative,
            source_kind=Mention.Source.COMMENT,
            source_id=locked.pk,
            text=body,
            event=event,
        )
    return locked


def comment_remove(*, comment: Comment, actor: Any) -> Comment:
    """The author or an EM removes a comment: its text goes, a tombstone ("comment removed")
    stays in the thread, and the log keeps who removed it."""
    with transaction.atomic():
        locked = _locked_comment(comment)
        initiative = locked.initiative
        who = member_actor(actor, initiative)
        perms.require(rules.comment_remove_refusal(who, locked))
        before = {"length": len(locked.body), "author": locked.author_id}
        locked.body = ""
        locked.deleted_at = timezone.now()
        locked.deleted_by = actor
        locked.version += 1
        locked.save()
        record(
            actor=actor,
            verb="comment.removed",
            summary=f"Removed a comment on {initiative.key}",
            initiative=initiative,
            target=locked,
            before=before,
            after={"removed": True},
        )
    return locked


# --- Reactions -------------------------------------------------------------------------------


def _reaction_subject(
    comment: Comment | None, status_update: StatusUpdate | None
) -> tuple[Initiative, dict[str, Any], str]:
    if (comment is None) == (status_update is None):
        raise ValidationFailed("React to one comment or one weekly update.")
    if comment is not None:
        if comment.deleted_at is not None:
            raise Conflict("This comment was removed.", code="comment_removed")
        return comment.initiative, {"comment": comment}, "a comment"
    assert status_update is not None
    return status_update.initiative, {"status_update": status_update}, "a weekly update"


def _check_emoji(emoji: str) -> None:
    if emoji not in REACTIONS:
        choices = ", ".join(REACTIONS)
        raise ValidationFailed(fields={"emoji": [f"Choose one of {choices}."]})


def reaction_set(
    *,
    actor: Any,
    emoji: str,
    on: bool,
    comment: Comment | None = None,
    status_update: StatusUpdate | None = None,
) -> bool:
    """Add (``on``) or take back the actor's ``emoji`` on a comment or a weekly update (one
    per person per emoji). Returns whether anything changed; nothing is recorded otherwise."""
    _check_emoji(emoji)
    initiative, subject, what = _reaction_subject(comment, status_update)
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(rules.can_react(who), "Viewers cannot react.")
        existing = Reaction.objects.filter(user=actor, emoji=emoji, **subject)
        if on:
            if existing.exists():
                return False
            Reaction.objects.create(user=actor, emoji=emoji, **subject)
        elif not existing.delete()[0]:
            return False
        target = comment if comment is not None else status_update
        record(
            actor=actor,
            verb="reaction.added" if on else "reaction.removed",
            summary=f"{'Reacted' if on else 'Took back'} {REACTIONS[emoji]} "
            f"{'to' if on else 'on'} {what} on {locked.key}",
            initiative=locked,
            target=target,
            after={"emoji": emoji},
        )
    return True


# --- Sign-off requests -----------------------------------------------------------------------


def signoff_request_create(
    *,
    item: ChecklistItem,
    actor: Any,
    reviewer: Any,
    due_date: dt.date | None = None,
    message: str = "",
) -> SignoffRequest:
    """The DRI (or an EM) asks ``reviewer`` to decide a sign-off item. The reviewer must be
    someone who may decide it (``permissions.signoff_refusal``, via
    ``rules.collab.reviewer_refusal``); the due date, if any, is not in the past."""
    check_text(message=message)
    with transaction.atomic():
        initiative = lock_initiative(item.initiative_id)
        who = member_actor(actor, initiative)
        perms.require(
            rules.can_request_signoff(who, initiative),
            "Only the DRI or an engineering manager can ask for a sign-off.",
        )
        ensure_writable(initiative)
        locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
        if reviewer is None:
            raise ValidationFailed(fields={"reviewer": ["Choose who should decide it."]})
        refusal = rules.reviewer_refusal(
            perms.actor_for(reviewer, initiative.team_id), locked, initiative
        )
        if refusal:
            field = "item" if not locked.signoff_role or locked.status != "open" else "reviewer"
            raise ValidationFailed(refusal, fields={field: [refusal]})
        today = team_today(initiative.team.tz)
        refuse_past_date("due_date", due_date, today, backfill=False, is_em=who.is_em)
        if SignoffRequest.objects.filter(
            item=locked, reviewer=reviewer, status=RequestStatus.OPEN
        ).exists():
            raise Conflict(f"{reviewer} has already been asked.", code="already_requested")
        request = SignoffRequest.objects.create(
            item=locked,
            initiative=initiative,
            reviewer=reviewer,
            requested_by=actor,
            due_date=due_date,
            message=(message or "").strip(),
        )
        record(
            actor=actor,
            verb="signoff.requested",
            summary=f"Asked {reviewer} to sign off “{locked.text}” on {initiative.key}",
            initiative=initiative,
            target=request,
            after={
                "item": locked.pk,
                "reviewer": reviewer.pk,
                "due_date": due_date.isoformat() if due_date else None,
            },
        )
    return request


def _locked_request(request: SignoffRequest | int) -> SignoffRequest:
    pk = request if isinstance(request, int) else request.pk
    found = (
        SignoffRequest.objects.select_for_update(of=("self",))
        .select_related("item", "initiative__team")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("No such request.")
    return found


def signoff_request_decline(*, request: SignoffRequest, actor: Any, reason: str) -> SignoffRequest:
    """The reviewer declines, with a reason; the request goes back to the DRI."""
    check_text(reason=reason)
    reason = require_text(reason, "reason", "Say why you decline.")
    with transaction.atomic():
        locked = _locked_request(request)
        initiative = locked.initiative
        member_actor(actor, initiative)
        perms.require(
            locked.reviewer_id == actor.pk, "Only the person asked can decline a request."
        )
        if locked.status != RequestStatus.OPEN:
            raise Conflict(f"This request is already {locked.get_status_display().lower()}.")
        locked.status = RequestStatus.DECLINED
        locked.decline_reason = reason
        locked.closed_at = timezone.now()
        locked.save()
        record(
            actor=actor,
            verb="signoff.declined",
            summary=f"Declined to sign off “{locked.item.text}” on {initiative.key}: {reason}",
            initiative=initiative,
            target=locked,
            before={"status": RequestStatus.OPEN},
            after={"status": RequestStatus.DECLINED, "reason": reason, "item": locked.item_id},
        )
    return locked


def signoff_requests_close(*, item_id: int, event: ActivityEvent) -> int:
    """Close the open requests of an item just decided, as part of that decision's write
    (``collab.subscribers``). Returns how many were closed."""
    return SignoffRequest.objects.filter(item_id=item_id, status=RequestStatus.OPEN).update(
        status=RequestStatus.CLOSED, closed_at=event.created_at, closed_by_event_id=event.pk
    )


def signoff_requests_mark_overdue(*, now: dt.datetime | None = None) -> int:
    """Record every open request past its due date (in its team's time zone) once, as a
    system event: the EM is notified of it. Safe to run concurrently (rows are claimed)."""
    now = now or timezone.now()
    candidates = SignoffRequest.objects.filter(
        status=RequestStatus.OPEN,
        overdue_notified_at__isnull=True,
        due_date__lt=(now + dt.timedelta(days=1)).date(),
    ).values_list("pk", flat=True)
    marked = 0
    for pk in list(candidates):
        with transaction.atomic():
            request = (
                SignoffRequest.objects.select_for_update(skip_locked=True)
                .select_related("item", "initiative__team", "reviewer")
                .filter(pk=pk, status=RequestStatus.OPEN, overdue_notified_at__isnull=True)
                .first()
            )
            if request is None or request.due_date is None:
                continue
            if request.due_date >= team_today(request.initiative.team.tz, now):
                continue
            request.overdue_notified_at = now
            request.save(update_fields=["overdue_notified_at"])
            record(
                actor=None,
                verb="signoff.overdue",
                summary=f"The sign-off of “{request.item.text}” asked of {request.reviewer} "
                f"was due {request.due_date.isoformat()}",
                initiative=request.initiative,
                target=request,
                after={"item": request.item_id, "reviewer": request.reviewer_id},
            )
            marked += 1
    return marked


# --- Following -------------------------------------------------------------------------------


def follow_set(*, initiative: Initiative, actor: Any, following: bool) -> Follow:
    """Anyone who can see the initiative follows or unfollows it (the DRI, members and
    stakeholders follow by default and may unfollow too)."""
    with transaction.atomic():
        locked = lock_initiative(initiative)
        who = member_actor(actor, locked)
        perms.require(rules.can_follow(who))
        follow, _ = Follow.objects.update_or_create(
            initiative=locked, user=actor, defaults={"following": following}
        )
        record(
            actor=actor,
            verb="initiative.followed" if following else "initiative.unfollowed",
            summary=f"{'Followed' if following else 'Unfollowed'} {locked.key}",
            initiative=locked,
            target=follow,
            after={"following": following},
        )
    return follow
