"""Chat's writes: a team's channels (its EM), disabling a channel whose webhook is gone,
re-sending a message, a person's chat handles and their cross-team digest. Team writes are
atomic and audited like every other write; personal settings (handles, the cross-team digest)
are the person's own, like their API tokens, and belong to no team's log."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from initiatives.chat import crypto
from initiatives.chat.models import (
    CHAT_MESSAGES,
    ChatChannel,
    ChatDelivery,
    ChatIdentity,
    ChatKind,
    CrossTeamDigest,
)
from initiatives.chat.selectors import forget_following
from initiatives.models import Membership, Team
from initiatives.models.team import validate_time_zone
from initiatives.outbox.api import enqueue
from initiatives.rules.exceptions import NotFound, ValidationFailed
from initiatives.services.common import check_text, record, reject_unknown, require_team_admin
from initiatives.webhooks.delivery import url_refusal
from initiatives.weekly.selectors import receives_digest
from initiatives.weekly.services import digest_subscription_set

DELIVER_TASK = "shipshape_chat.deliver"
EDITABLE_FIELDS = ("name", "messages", "red_yellow_only", "active", "webhook_url")
SLACK_MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
MATTERMOST_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


# --- Checks ----------------------------------------------------------------------------------


def _clean_kind(kind: str) -> str:
    if kind not in ChatKind.values:
        raise ValidationFailed(fields={"kind": ["Choose Slack or Mattermost."]})
    return kind


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": ["Name the channel, e.g. #cloud-status."]})
    if len(name) > 80:
        raise ValidationFailed(fields={"name": ["At most 80 characters."]})
    check_text(name=name)
    return name


def _clean_messages(messages: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(messages or []))
    if not chosen or any(m not in CHAT_MESSAGES for m in chosen):
        raise ValidationFailed(
            fields={"messages": [f"Choose one or more of: {', '.join(CHAT_MESSAGES)}."]}
        )
    return chosen


def _clean_url(url: str) -> str:
    """An incoming-webhook URL that delivery can reach: https (http only where the tests'
    loopback receivers are allowed), never an internal address."""
    url = (url or "").strip()
    refusal = url_refusal(url) if url else "Paste the channel's incoming-webhook URL."
    if refusal:
        message = refusal.replace("Webhooks", "Messages")
        raise ValidationFailed(message, fields={"webhook_url": [message]}, code="url_not_public")
    if len(url) > 500:
        raise ValidationFailed(fields={"webhook_url": ["At most 500 characters."]})
    return url


def stored_url(url: str) -> dict[str, str]:
    """A channel's columns for a webhook URL: encrypted, and the hint that may be shown."""
    return {"webhook_url_encrypted": crypto.encrypt(url), "webhook_hint": crypto.hint(url)}


def _audit_view(channel: ChatChannel) -> dict[str, Any]:
    """What the audit log keeps of a channel: never its URL (a credential), only the hint."""
    return {
        "name": channel.name,
        "kind": channel.kind,
        "messages": channel.messages,
        "red_yellow_only": channel.red_yellow_only,
        "active": channel.active,
        "webhook": channel.webhook_hint,
    }


# --- Channels (the team's EM) ----------------------------------------------------------------


def _team_of(channel: ChatChannel) -> Team:
    """The team of a team channel; a personal channel is its owner's (``cross_team_digest_*``)."""
    if channel.team_id is None:
        raise NotFound("No such channel.")
    return Team.objects.get(pk=channel.team_id)


def chat_channel_create(
    *,
    team: Team,
    actor: Any,
    kind: str,
    name: str,
    webhook_url: str,
    messages: Iterable[str],
    red_yellow_only: bool = False,
) -> ChatChannel:
    require_team_admin(actor, team)
    kind, name = _clean_kind(kind), _clean_name(name)
    messages, url = _clean_messages(messages), _clean_url(webhook_url)
    with transaction.atomic():
        channel = ChatChannel.objects.create(
            team=team,
            kind=kind,
            name=name,
            **stored_url(url),
            messages=messages,
            red_yellow_only=red_yellow_only,
            created_by=actor,
        )
        forget_following(team.pk)
        record(
            actor=actor,
            verb="chat_channel.created",
            summary=f"Connected the {channel.get_kind_display()} channel {name} to {team.key}",
            team_id=team.pk,
            target=channel,
            after=_audit_view(channel),
        )
    return channel


def chat_channel_update(
    *, channel: ChatChannel, actor: Any, changes: Mapping[str, Any]
) -> ChatChannel:
    """Change a channel; a new ``webhook_url`` replaces the stored one. Enabling a channel
    that delivery disabled clears the reason."""
    reject_unknown(changes, EDITABLE_FIELDS)
    team = _team_of(channel)
    require_team_admin(actor, team)
    with transaction.atomic():
        locked = ChatChannel.objects.select_for_update().get(pk=channel.pk)
        before = _audit_view(locked)
        for name, value in changes.items():
            if name == "name":
                locked.name = _clean_name(value)
            elif name == "messages":
                locked.messages = _clean_messages(value)
            elif name == "webhook_url":
                url = _clean_url(value)
                for field, value in stored_url(url).items():
                    setattr(locked, field, value)
            elif name == "active":
                locked.active = bool(value)
            else:
                locked.red_yellow_only = bool(value)
        if locked.active:
            locked.disabled_reason, locked.disabled_at = "", None
        locked.save()
        forget_following(team.pk)
        after = _audit_view(locked)
        record(
            actor=actor,
            verb="chat_channel.updated",
            summary=f"Changed the chat channel {locked.name} of {team.key}",
            team_id=team.pk,
            target=locked,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return locked


def chat_channel_delete(*, channel: ChatChannel, actor: Any) -> None:
    team = _team_of(channel)
    require_team_admin(actor, team)
    with transaction.atomic():
        record(
            actor=actor,
            verb="chat_channel.deleted",
            summary=f"Removed the chat channel {channel.name} from {team.key}",
            team_id=team.pk,
            before=_audit_view(channel),
        )
        channel.delete()
        forget_following(team.pk)


def chat_channel_disable(*, channel_id: int, reason: str) -> bool:
    """Delivery found the channel's webhook gone (404 or 410): stop sending to it and tell the
    EM why. Recorded as the system's act. False if it was already disabled."""
    with transaction.atomic():
        channel = ChatChannel.objects.select_for_update().filter(pk=channel_id, active=True).first()
        if channel is None:
            return False
        channel.active = False
        channel.disabled_reason = reason[:500]
        channel.disabled_at = timezone.now()
        channel.save(update_fields=["active", "disabled_reason", "disabled_at", "updated_at"])
        forget_following(channel.team_id)
        if channel.team_id is not None:
            record(
                actor=None,
                verb="chat_channel.disabled",
                summary=f"Disabled the chat channel {channel.name}: {reason}",
                team_id=channel.team_id,
                target=channel,
                after={"active": False, "reason": channel.disabled_reason},
            )
    return True


def chat_delivery_resend(*, delivery: ChatDelivery, actor: Any) -> ChatDelivery:
    """Send a message again, as it was built, as a new delivery (the EM's re-send)."""
    if delivery.channel is None or delivery.channel.team is None:
        raise ValidationFailed("Only a team channel's messages are re-sent here.")
    team = delivery.channel.team
    require_team_admin(actor, team)
    with transaction.atomic():
        again = ChatDelivery.objects.create(
            channel=delivery.channel,
            team=delivery.team,
            kind=delivery.kind,
            week=delivery.week,
            event_type=delivery.event_type,
            activity_id=delivery.activity_id,
            payload=delivery.payload,
            redelivery_of=delivery,
        )
        record(
            actor=actor,
            verb="chat_delivery.resent",
            summary=f"Re-sent a {delivery.get_kind_display().lower()} to {delivery.channel.name}",
            team_id=team.pk,
            target=again,
            after={"redelivery_of": delivery.pk},
        )
        enqueue("celery.task", {"task": DELIVER_TASK, "args": [again.pk]})
    return again


# --- A person's chat handles -----------------------------------------------------------------


def chat_identity_set(
    *, user: Any, slack_user_id: str = "", mattermost_username: str = ""
) -> ChatIdentity:
    slack = (slack_user_id or "").strip().upper()
    mattermost = (mattermost_username or "").strip().lstrip("@").lower()
    errors: dict[str, list[str]] = {}
    if slack and not SLACK_MEMBER_ID.match(slack):
        errors["slack_user_id"] = [
            "A Slack member id looks like U012AB3CD (Slack: your profile → ⋮ → Copy member ID)."
        ]
    if mattermost and not MATTERMOST_USERNAME.match(mattermost):
        errors["mattermost_username"] = [
            "A Mattermost username: lowercase letters, digits, '.', '-' and '_'."
        ]
    if errors:
        raise ValidationFailed("Check your chat handles.", fields=errors)
    taken = ChatIdentity.objects.exclude(user=user)
    if slack and taken.filter(slack_user_id=slack).exists():
        errors["slack_user_id"] = ["This Slack member id is linked to another person."]
    if mattermost and taken.filter(mattermost_username__iexact=mattermost).exists():
        errors["mattermost_username"] = ["This Mattermost username is linked to another person."]
    if errors:
        raise ValidationFailed("Check your chat handles.", fields=errors)
    try:
        with transaction.atomic():
            identity, _ = ChatIdentity.objects.update_or_create(
                user=user,
                defaults={"slack_user_id": slack, "mattermost_username": mattermost},
            )
    except IntegrityError:  # linked by someone else a moment ago
        raise ValidationFailed(
            "Check your chat handles.",
            fields={"__all__": ["This handle was just linked to another person."]},
        ) from None
    return identity


# --- The cross-team digest -------------------------------------------------------------------


def cross_team_digest_set(
    *,
    user: Any,
    teams: Iterable[Team],
    by_email: bool,
    weekday: int = 0,
    at: dt.time = dt.time(9, 0),
    time_zone: str = "UTC",
    channel_kind: str = "",
    webhook_url: str = "",
    channel_name: str = "",
    active: bool = True,
    replace_team_digests: bool = False,
) -> CrossTeamDigest:
    """Subscribe ``user`` to one digest of several of their teams, by email and/or on a channel
    of their own. A new ``webhook_url`` replaces the channel's; an empty one keeps it.
    ``replace_team_digests``: instead of, not besides, the per-team digest emails of those
    teams (each team's unsubscription is that team's own audited write)."""
    chosen = list({t.pk: t for t in teams}.values())
    mine = set(
        Membership.objects.filter(user=user, team__in=chosen).values_list("team_id", flat=True)
    )
    errors: dict[str, list[str]] = {}
    if len(chosen) < 2 or any(t.pk not in mine for t in chosen):
        errors["teams"] = ["Choose two or more of your teams."]
    if not 0 <= int(weekday) <= 6:
        errors["weekday"] = ["Choose a day of the week."]
    try:
        validate_time_zone(time_zone)
    except Exception:
        errors["time_zone"] = [f"Unknown time zone: {time_zone}"]
    existing = CrossTeamDigest.objects.filter(user=user).select_related("channel").first()
    has_channel = bool(webhook_url) or bool(existing and existing.channel and channel_kind)
    if not by_email and not has_channel:
        errors["by_email"] = ["Choose email, a channel, or both."]
    if by_email and not getattr(user, "email", ""):
        errors["by_email"] = ["Your account has no email address."]
    if errors:
        raise ValidationFailed("Check the cross-team digest.", fields=errors)
    with transaction.atomic():
        subscription, _ = CrossTeamDigest.objects.update_or_create(
            user=user,
            defaults={
                "by_email": by_email,
                "weekday": int(weekday),
                "at": at,
                "time_zone": time_zone,
                "active": active,
            },
        )
        subscription.teams.set(chosen)
        channel = subscription.channel
        if not channel_kind and channel is not None:
            subscription.channel = None
            subscription.save(update_fields=["channel", "updated_at"])
            channel.delete()
        elif channel_kind:
            kind = _clean_kind(channel_kind)
            name = _clean_name(channel_name or "My cross-team digest")
            if channel is None:
                url = _clean_url(webhook_url)
                channel = ChatChannel.objects.create(
                    owner=user,
                    kind=kind,
                    name=name,
                    **stored_url(url),
                    messages=["digest"],
                    created_by=user,
                )
                subscription.channel = channel
                subscription.save(update_fields=["channel", "updated_at"])
            else:
                channel.kind, channel.name, channel.active = kind, name, True
                channel.disabled_reason, channel.disabled_at = "", None
                if webhook_url:
                    url = _clean_url(webhook_url)
                    for field, value in stored_url(url).items():
                        setattr(channel, field, value)
                channel.save()
        if replace_team_digests and by_email:
            for team in chosen:
                if receives_digest(team.pk, user):
                    digest_subscription_set(team=team, actor=user, active=False)
    return subscription


def cross_team_digest_cancel(*, user: Any) -> None:
    subscription = CrossTeamDigest.objects.filter(user=user).select_related("channel").first()
    if subscription is None:
        return
    with transaction.atomic():
        channel = subscription.channel
        subscription.delete()
        if channel is not None:
            channel.delete()
