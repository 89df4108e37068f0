"""From audit events to notifications.

``activity_recorded`` subscribes to every audit event (``services.publish``): for the verbs
that can notify someone it writes an outbox message in the recording transaction, so nothing
is notified for work that rolls back and a broker outage loses nothing. After commit the outbox
hands it to ``notify``, which works out who hears of the event and as what kind, applies each
person's preference, and writes one ``Notification`` per (recipient, event): unique, so an
event handed over twice notifies once. Nobody is notified of their own action, nor of an
initiative of a team they have left.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from initiatives.collab.models import Mention, RequestStatus, SignoffRequest
from initiatives.collab.selectors import followers_of, team_roles
from initiatives.collab.services import update_mentions_save
from initiatives.compiled import CompiledRead
from initiatives.models import ActivityEvent, ChecklistItem, Membership, Role, Task
from initiatives.notifications.models import (
    DEFAULT_CHANNEL,
    Channel,
    EmailState,
    Kind,
    Notification,
    Preference,
)
from initiatives.outbox.api import enqueue, register
from initiatives.rules.workflow import lapsed_gates
from initiatives.services.publish import subscribe

# What followers hear of (state changes and overrides, slips, new updates, comments, sign-off
# decisions); a reopened item or a risk change only when a passed gate is no longer met.
FOLLOW_VERBS = frozenset(
    {
        "initiative.transitioned",
        "initiative.gate_overridden",
        "milestone.slipped",
        "status_update.posted",
        "comment.created",
        "checklist_item.signed_off",
        "checklist_item.waived",
    }
)
LAPSE_VERBS = frozenset(
    {"checklist_item.reopened", "initiative.risk_changed", "initiative.updated"}
)
ASSIGN_VERBS = frozenset(
    {"initiative.created", "initiative.updated", "initiative.risk_changed", "task.created"}
    | {"task.assigned", "task.updated"}
)
SIGNOFF_VERBS = frozenset({"signoff.requested", "signoff.declined", "signoff.overdue"})
# A weekly update's mentions are resolved here, just after it committed (``notify``).
MENTION_VERBS = frozenset({"comment.created", "comment.edited", "status_update.revised"})
NOTIFY_VERBS = FOLLOW_VERBS | LAPSE_VERBS | ASSIGN_VERBS | SIGNOFF_VERBS | MENTION_VERBS

# The order in which kinds win when several apply to one person (``Kind``'s docstring).
PRIORITY = [Kind.MENTION, Kind.REPLY, Kind.SIGNOFF, Kind.ASSIGNED, Kind.FOLLOWING]

HEADLINE: dict[str, str] = {
    Kind.MENTION: "mentioned you",
    Kind.REPLY: "replied to your comment",
}


def may_notify(event: ActivityEvent) -> bool:
    """Whether ``event`` can notify anyone, from the event alone (no query): most writes
    (an edit, a task moved, an initiative made by its own DRI) notify nobody, and write no
    outbox row."""
    if event.verb not in NOTIFY_VERBS or event.initiative_id is None:
        return False
    after = event.after or {}
    if event.verb == "initiative.created":
        return after.get("dri") != event.actor_id
    if event.verb == "initiative.updated":
        return "dri" in after or bool(after.get("reopened_items"))
    if event.verb in ("task.assigned", "task.updated"):
        return bool(after.get("assignee"))
    return True


@subscribe
def activity_recorded(event: ActivityEvent) -> None:
    """Subscriber of every audit event: an outbox row for those that may notify someone."""
    if may_notify(event):
        enqueue("notifications.event", {"activity_id": event.pk})


@register("notifications.event")
def handle(payload: dict[str, Any]) -> None:
    notify(payload["activity_id"])


# --- Who hears of an event -------------------------------------------------------------------


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _signoff_item_decided(event: ActivityEvent) -> bool:
    if event.verb == "checklist_item.signed_off":
        return True
    return (
        event.verb == "checklist_item.waived"
        and ChecklistItem.objects.filter(pk=event.target_id or 0).exclude(signoff_role="").exists()
    )


def candidates(event: ActivityEvent) -> dict[str, set[int]]:
    """Who may hear of ``event``, per kind (before priorities, preferences and membership)."""
    initiative = event.initiative
    assert initiative is not None
    after = event.after or {}
    found: dict[str, set[int]] = {kind: set() for kind in Kind.values}
    found[Kind.MENTION] = set(
        Mention.objects.filter(event_id=event.pk).values_list("user_id", flat=True)
    )
    if event.verb == "comment.created" and _int(after.get("replied_to_author")):
        found[Kind.REPLY].add(after["replied_to_author"])
    # Being made DRI or assignee.
    if event.verb == "initiative.created":
        found[Kind.ASSIGNED].add(initiative.dri_id)
    elif event.verb == "task.created":  # its event does not name the assignee
        assignee = Task.objects.filter(pk=event.target_id or 0).values_list(
            "assignee_id", flat=True
        )
        found[Kind.ASSIGNED] |= {a for a in assignee if a is not None}
    elif event.verb in ASSIGN_VERBS:
        for name in ("dri", "assignee"):
            if _int(after.get(name)):
                found[Kind.ASSIGNED].add(after[name])
    # Sign-off requests and decisions.
    if event.verb == "signoff.requested" and _int(after.get("reviewer")):
        found[Kind.SIGNOFF].add(after["reviewer"])
    elif event.verb == "signoff.declined":
        request = SignoffRequest.objects.filter(pk=event.target_id or 0).first()
        if request is not None:
            found[Kind.SIGNOFF] |= {request.requested_by_id, initiative.dri_id}
    elif event.verb == "signoff.overdue":
        found[Kind.SIGNOFF] |= set(
            Membership.objects.filter(team_id=event.team_id, role=Role.EM).values_list(
                "user_id", flat=True
            )
        )
    decided = event.verb in FOLLOW_VERBS and event.verb.startswith("checklist_item.")
    if decided:
        found[Kind.SIGNOFF] |= set(
            SignoffRequest.objects.filter(
                closed_by_event_id=event.pk, status=RequestStatus.CLOSED
            ).values_list("requested_by_id", flat=True)
        )
    # Following.
    follows = event.verb in FOLLOW_VERBS and (not decided or _signoff_item_decided(event))
    if event.verb in LAPSE_VERBS:
        reopened = event.verb != "initiative.updated" or after.get("reopened_items")
        follows = bool(reopened) and bool(lapsed_gates(initiative))
    if follows:
        found[Kind.FOLLOWING] = followers_of(initiative)
    return found


def assign_kinds(found: dict[str, set[int]], actor_id: int | None) -> dict[int, str]:
    """One kind per person (the first that applies in ``PRIORITY``), never the actor."""
    kinds: dict[int, str] = {}
    for kind in PRIORITY:
        for user_id in found.get(kind, ()):
            if user_id != actor_id:
                kinds.setdefault(user_id, kind)
    return kinds


def channels_of(user_ids: set[int]) -> dict[tuple[int, str], str]:
    """Each person's chosen channel per kind (1 query); a kind not chosen has its default."""
    return {
        (user_id, kind): channel
        for user_id, kind, channel in Preference.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "kind", "channel"
        )
    }


def place_of(event: ActivityEvent) -> str:
    """The path of the exact place the event happened: the comment's anchor, the item, …"""
    initiative = event.initiative
    assert initiative is not None
    page = reverse("initiative-detail", kwargs={"key": initiative.key})
    after = event.after or {}
    if event.target_type == "comment":
        return f"{page}#comment-{event.target_id}"
    if event.target_type == "signoffrequest" and _int(after.get("item")):
        return f"{page}#item-{after['item']}"
    anchors = {
        "checklistitem": "item",
        "milestone": "milestone",
        "statusupdate": "update",
        "task": "task",
    }
    if event.target_type in anchors:
        return f"{page}#{anchors[event.target_type]}-{event.target_id}"
    return page


def summary_of(event: ActivityEvent, kind: str) -> str:
    who = event.actor_name or "Shipshape"
    headline = HEADLINE.get(kind)
    if headline:
        return f"{who} {headline}: {event.summary}"[:300]
    return f"{who}: {event.summary}"[:300]


# Built once per process (initiatives.compiled): every audited write that may notify reads it.
_EVENT: CompiledRead[ActivityEvent] = CompiledRead(
    lambda activity_id: ActivityEvent.objects.filter(pk=activity_id).order_by()[:1],
    related=("initiative", "initiative__team"),
    activity_id=int,
)


def notify(activity_id: int) -> list[Notification]:
    """Write the notifications of one audit event (idempotent; see the module docstring)."""
    found = _EVENT.rows(activity_id=activity_id)
    event = found[0] if found else None
    if event is None or event.initiative is None or event.verb not in NOTIFY_VERBS:
        return []
    if event.verb in ("status_update.posted", "status_update.revised"):
        update_mentions_save(event=event)
    kinds = assign_kinds(candidates(event), event.actor_id)
    if not kinds:
        return []
    # Only people who can still see the initiative: members of its team.
    members = team_roles(event.team_id, set(kinds))
    chosen = channels_of(set(members))
    url = place_of(event)
    rows = []
    for user_id, (_role, email) in members.items():
        kind = kinds[user_id]
        channel = chosen.get((user_id, kind), DEFAULT_CHANNEL[kind])
        if channel == Channel.OFF:
            continue
        by_email = channel in (Channel.EMAIL, Channel.BOTH) and bool(email)
        in_app = channel in (Channel.IN_APP, Channel.BOTH)
        if not (by_email or in_app):
            continue
        rows.append(
            Notification(
                recipient_id=user_id,
                event=event,
                kind=kind,
                initiative=event.initiative,
                summary=summary_of(event, kind),
                url=url,
                in_app=in_app,
                email_state=EmailState.PENDING if by_email else EmailState.NONE,
            )
        )
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)
