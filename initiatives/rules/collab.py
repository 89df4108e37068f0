"""Who may comment, react, ask for a sign-off and follow; how ``@mentions`` are found in a
text. Pure: the collaboration package (``initiatives.collab``) calls these, and the web and
API call them only to decide what to offer. Who may *decide* a sign-off item is
``permissions.signoff_refusal``, the one rule, used here for who may be asked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol

from initiatives.models import ChecklistItem, Initiative, ItemStatus
from initiatives.rules.permissions import Actor, InitiativePeople, signoff_refusal

# An edit within this time of posting leaves no mark; a later one shows "edited".
EDIT_GRACE = dt.timedelta(minutes=15)

# ``@username`` not inside a word or an address (``a@b``) nor a path (``/@x``); Django's
# usernames are letters, digits and ``@.+-_``; a trailing full stop ends the sentence.
MENTION_RE = re.compile(r"(?<![\w@./+-])@([\w.+-]{1,150})")


class CommentLike(Protocol):
    author_id: int
    deleted_at: dt.datetime | None
    created_at: dt.datetime


def mentioned_handles(text: str) -> list[str]:
    """The ``@handles`` of a text, lower-cased, in order, once each (an unknown one stays
    text: the caller keeps only those naming a person who may be mentioned)."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        seen.setdefault(match.group(1).rstrip(".").lower(), None)
    return [handle for handle in seen if handle]


def can_comment(actor: Actor) -> bool:
    """Contributors discuss; viewers read (non-members see nothing: NotFound first)."""
    return actor.is_contributor


def can_react(actor: Actor) -> bool:
    return actor.is_contributor


def comment_edit_refusal(actor: Actor, comment: CommentLike) -> str | None:
    if comment.deleted_at is not None:
        return "This comment was removed."
    if comment.author_id != actor.user.pk or not actor.is_contributor:
        return "Only its author can edit a comment."
    return None


def comment_remove_refusal(actor: Actor, comment: CommentLike) -> str | None:
    if comment.deleted_at is not None:
        return "This comment was already removed."
    if actor.is_em or (comment.author_id == actor.user.pk and actor.is_contributor):
        return None
    return "Only its author or an engineering manager can remove a comment."


def edit_is_marked(comment: CommentLike, now: dt.datetime) -> bool:
    """Whether an edit made ``now`` marks the comment "edited" (after the grace period)."""
    return now - comment.created_at > EDIT_GRACE


def can_request_signoff(actor: Actor, initiative: Initiative) -> bool:
    """The DRI or an engineering manager asks for sign-offs."""
    return actor.is_contributor and (initiative.dri_id == actor.user.pk or actor.is_em)


def reviewer_refusal(
    reviewer: Actor,
    item: ChecklistItem,
    initiative: Initiative,
    people: InitiativePeople | None = None,
) -> str | None:
    """Why ``reviewer`` cannot be asked to decide ``item``: only a person who may decide it
    (``permissions.signoff_refusal``) of an open sign-off item."""
    if not item.signoff_role:
        return "Only sign-off items are requested from a reviewer."
    if item.status != ItemStatus.OPEN:
        return "This item is already decided."
    if not reviewer.is_member:
        return "The reviewer is not a member of this team."
    refusal = signoff_refusal(reviewer, item, initiative, people)
    if refusal:
        return f"{reviewer.user} cannot decide this item: {refusal}"
    return None


def can_follow(actor: Actor) -> bool:
    """Anyone who can see an initiative (any member of its team, viewers too)."""
    return actor.is_member


def follows_by_default(user_id: Any, initiative: Initiative, people: InitiativePeople) -> bool:
    """The DRI, members and stakeholders follow an initiative until they unfollow it."""
    return (
        user_id == initiative.dri_id
        or user_id in people.member_ids
        or user_id in people.stakeholder_ids
    )
