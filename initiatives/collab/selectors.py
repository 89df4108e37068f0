"""Reads of the collaboration package, each with a fixed number of queries: the threads of an
initiative page, comment lists for the API, followers, requests waiting for a person or a team,
the people who may be mentioned."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse

from initiatives.collab.models import (
    REACTIONS,
    Comment,
    Follow,
    Mention,
    Reaction,
    RequestStatus,
    SignoffRequest,
)
from initiatives.models import Initiative, Membership
from initiatives.rules.collab import follows_by_default
from initiatives.rules.permissions import InitiativePeople

User = get_user_model()

# --- Following -------------------------------------------------------------------------------


def followers_of(initiative: Initiative) -> set[int]:
    """Who follows ``initiative`` now: its DRI, members and stakeholders unless they
    unfollowed it, and everyone who chose to follow it (3 queries)."""
    default = {initiative.dri_id}
    default |= set(initiative.members.values_list("pk", flat=True))
    default |= set(initiative.stakeholders.values_list("pk", flat=True))
    choices = dict(Follow.objects.filter(initiative=initiative).values_list("user_id", "following"))
    chosen = {user_id for user_id, following in choices.items() if following}
    return {user_id for user_id in default if choices.get(user_id, True)} | chosen


def is_following(user: Any, initiative: Initiative, people: InitiativePeople) -> bool:
    """Whether ``user`` follows ``initiative`` (1 query)."""
    choice = (
        Follow.objects.filter(initiative=initiative, user=user)
        .values_list("following", flat=True)
        .first()
    )
    if choice is not None:
        return choice
    return follows_by_default(user.pk, initiative, people)


# --- Threads ---------------------------------------------------------------------------------


@dataclass
class ReactionCount:
    emoji: str
    symbol: str
    count: int
    mine: bool


@dataclass
class CommentView:
    comment: Comment
    reactions: list[ReactionCount] = field(default_factory=list)
    replies: list[CommentView] = field(default_factory=list)


@dataclass
class Thread:
    """The comments on one thing (the initiative, an update, a milestone, an item)."""

    target_kind: str
    target_id: int
    comments: list[CommentView] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"thread-{self.target_kind}-{self.target_id}"

    @property
    def count(self) -> int:
        return sum(1 + len(c.replies) for c in self.comments)


def reaction_counts(
    viewer_id: int, *, comment_ids: Sequence[int] = (), update_ids: Sequence[int] = ()
) -> dict[tuple[str, int], list[ReactionCount]]:
    """Reactions per ("comment"|"update", id), each emoji with its count and whether the
    viewer gave it (1 query, none without ids)."""
    if not comment_ids and not update_ids:
        return {}
    rows = (
        Reaction.objects.filter(Q(comment_id__in=comment_ids) | Q(status_update_id__in=update_ids))
        .values("comment_id", "status_update_id", "emoji")
        .annotate(n=Count("pk"), mine=Max("user_id", filter=Q(user_id=viewer_id)))
        .order_by("comment_id", "status_update_id", "emoji")
    )
    out: dict[tuple[str, int], list[ReactionCount]] = defaultdict(list)
    order = list(REACTIONS)
    for row in rows:
        key = (
            ("comment", row["comment_id"])
            if row["comment_id"]
            else ("update", row["status_update_id"])
        )
        out[key].append(
            ReactionCount(row["emoji"], REACTIONS[row["emoji"]], row["n"], row["mine"] is not None)
        )
    for counts in out.values():
        counts.sort(key=lambda r: order.index(r.emoji))
    return out


def threads_of(
    initiative: Initiative, viewer_id: int, *, update_ids: Sequence[int] = ()
) -> tuple[dict[tuple[str, int], Thread], dict[tuple[str, int], list[ReactionCount]]]:
    """Every thread of the initiative, keyed by (target kind, target id), with reactions on
    its comments and on the updates ``update_ids`` (2 queries, whatever the number of
    comments)."""
    comments = list(
        Comment.objects.filter(initiative=initiative)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    reactions = reaction_counts(
        viewer_id, comment_ids=[c.pk for c in comments], update_ids=list(update_ids)
    )
    threads: dict[tuple[str, int], Thread] = {}
    views: dict[int, CommentView] = {}
    for comment in comments:
        view = CommentView(comment, reactions.get(("comment", comment.pk), []))
        views[comment.pk] = view
        if comment.parent_id and comment.parent_id in views:
            views[comment.parent_id].replies.append(view)
            continue
        key = (comment.target_kind, comment.target_id)
        threads.setdefault(key, Thread(*key)).comments.append(view)
    return threads, reactions


def comments_for_api(
    initiative: Initiative, *, target_kind: str | None = None, target_id: int | None = None
) -> QuerySet[Comment]:
    """The comments of an initiative, oldest first, optionally of one target (1 query a
    page; reactions are added per page with ``reaction_counts``)."""
    queryset = Comment.objects.filter(initiative=initiative).select_related("author")
    if target_kind:
        queryset = queryset.filter(target_kind=target_kind)
    if target_id is not None:
        queryset = queryset.filter(target_id=target_id)
    return queryset.order_by("created_at", "pk")


def visible_comment(user: Any, pk: int) -> Comment | None:
    """A comment of an initiative of one of ``user``'s teams (else None: 404)."""
    return (
        Comment.objects.filter(pk=pk, initiative__team__memberships__user=user)
        .select_related("initiative__team", "author")
        .first()
    )


def mentioned_users(source_kind: str, source_ids: list[int]) -> dict[int, dict[str, str]]:
    """Per text, the handles it resolved to and the names to show for them (1 query)."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Mention.objects.filter(source_kind=source_kind, source_id__in=source_ids).values_list(
        "source_id", "user__username", "user__first_name", "user__last_name"
    )
    for source_id, username, first, last in rows:
        out[source_id][username.lower()] = f"{first} {last}".strip() or username
    return out


def mentionable_people(team_id: int, prefix: str = "", limit: int = 10) -> list[Any]:
    """Members of the team whose username or name starts with ``prefix`` (autocomplete)."""
    queryset = User.objects.filter(memberships__team_id=team_id, is_active=True)
    prefix = prefix.strip().lstrip("@")
    if prefix:
        queryset = queryset.filter(
            Q(username__istartswith=prefix)
            | Q(first_name__istartswith=prefix)
            | Q(last_name__istartswith=prefix)
        )
    return list(queryset.order_by(Lower("username"))[:limit])


# --- Sign-off requests -----------------------------------------------------------------------


def requests_for(user: Any) -> QuerySet[SignoffRequest]:
    """Open sign-off requests asked of ``user`` in teams they still belong to, due first."""
    return (
        SignoffRequest.objects.filter(
            reviewer=user,
            status=RequestStatus.OPEN,
            initiative__team__memberships__user=user,
        )
        .select_related("item", "initiative__team", "requested_by")
        .order_by("due_date", "created_at", "pk")
    )


def open_requests_of(initiative: Initiative) -> dict[int, list[SignoffRequest]]:
    """The initiative's open requests by item id (1 query)."""
    out: dict[int, list[SignoffRequest]] = defaultdict(list)
    for request in (
        SignoffRequest.objects.filter(initiative=initiative, status=RequestStatus.OPEN)
        .select_related("reviewer")
        .order_by("created_at")
    ):
        out[request.item_id].append(request)
    return out


def visible_request(user: Any, pk: int) -> SignoffRequest | None:
    return (
        SignoffRequest.objects.filter(pk=pk, initiative__team__memberships__user=user)
        .select_related("item", "initiative__team", "reviewer", "requested_by")
        .first()
    )


@dataclass(frozen=True)
class WaitingRequest:
    request: SignoffRequest
    overdue: bool


def requests_waiting(team_id: int, today: dt.date) -> list[WaitingRequest]:
    """The team's open sign-off requests, overdue first, then by due date (1 query)."""
    rows = list(
        SignoffRequest.objects.filter(initiative__team_id=team_id, status=RequestStatus.OPEN)
        .select_related("item", "initiative__team", "reviewer")
        .order_by("due_date", "created_at", "pk")
    )
    waiting = [WaitingRequest(r, r.due_date is not None and r.due_date < today) for r in rows]
    return sorted(waiting, key=lambda w: (not w.overdue, w.request.due_date or dt.date.max))


@dataclass(frozen=True)
class CommentCount:
    key: str
    title: str
    url: str
    count: int


def comment_counts(team_id: int, start: dt.datetime, end: dt.datetime) -> list[CommentCount]:
    """Comments posted on each initiative of the team in [start, end), most first (1
    query)."""
    rows = (
        Comment.objects.filter(
            initiative__team_id=team_id, created_at__gte=start, created_at__lt=end
        )
        .values("initiative_id", "initiative__team__key", "initiative__number", "initiative__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "initiative__number")
    )
    counts = []
    for row in rows:
        key = f"{row['initiative__team__key']}-{row['initiative__number']}"
        url = reverse("initiative-detail", kwargs={"key": key}) + "#discussion"
        counts.append(CommentCount(key, row["initiative__title"], url, row["n"]))
    return counts


def team_roles(team_id: int, user_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Role and email of those of ``user_ids`` who belong to the team (1 query)."""
    return {
        user_id: (role, email)
        for user_id, role, email in Membership.objects.filter(
            team_id=team_id, user_id__in=user_ids
        ).values_list("user_id", "role", "user__email")
    }
