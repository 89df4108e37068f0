"""Reads of a person's notifications, each with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from initiatives.models import Initiative
from initiatives.notifications.models import DEFAULT_CHANNEL, Kind, Notification, Preference

# The inbox's filters: what each shows.
FILTERS: dict[str, tuple[str, ...]] = {
    "mentions": (Kind.MENTION, Kind.REPLY),
    "requests": (Kind.SIGNOFF,),
    "following": (Kind.FOLLOWING, Kind.ASSIGNED),
}
INBOX_PAGE = 50


def preferences_of(user: Any) -> dict[str, str]:
    """The channel of every kind for ``user``: their choice or the default (1 query)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, DEFAULT_CHANNEL[kind]) for kind in Kind.values}


def notifications_of(
    user: Any, *, unread: bool = False, kinds: tuple[str, ...] = ()
) -> QuerySet[Notification]:
    """``user``'s inbox, newest first: in-app notifications of initiatives of teams they
    still belong to."""
    queryset = Notification.objects.filter(
        recipient=user, in_app=True, initiative__team__memberships__user=user
    ).select_related("initiative__team")
    if unread:
        queryset = queryset.filter(read_at__isnull=True)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return queryset.order_by("-created_at", "-pk")


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


@dataclass
class InboxGroup:
    initiative: Initiative | None
    notifications: list[Notification] = field(default_factory=list)


@dataclass
class Inbox:
    groups: list[InboxGroup]
    page: int
    more: bool
    filter: str


def inbox(user: Any, *, filter: str = "", page: int = 1) -> Inbox:
    """A page of ``user``'s inbox grouped by initiative, in the order of each group's newest
    notification (1 query whatever the page holds)."""
    kinds = FILTERS.get(filter, ())
    start = (page - 1) * INBOX_PAGE
    rows = list(notifications_of(user, kinds=kinds)[start : start + INBOX_PAGE + 1])
    groups: dict[int | None, InboxGroup] = {}
    for row in rows[:INBOX_PAGE]:
        groups.setdefault(row.initiative_id, InboxGroup(row.initiative)).notifications.append(row)
    return Inbox(list(groups.values()), page, len(rows) > INBOX_PAGE, filter)


def notification_for(user: Any, pk: int) -> Notification | None:
    return notifications_of(user).filter(pk=pk).first()
