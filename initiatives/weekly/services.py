"""Who receives a team's weekly digest: members opting in or out, the EM's email-only
subscribers, and the signed one-click unsubscribe link. Every write is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from initiatives.models import DigestSubscription, Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import NotFound, ValidationFailed
from initiatives.services.common import record
from initiatives.weekly.digest import unsubscribe_link


def digest_subscription_set(*, team: Team, actor: Any, active: bool) -> DigestSubscription:
    """The actor (a member) subscribes to or unsubscribes from the team's digest."""
    who = perms.actor_for(actor, team)
    perms.ensure_member(who)
    with transaction.atomic():
        subscription, _ = DigestSubscription.objects.update_or_create(
            team=team, user=actor, defaults={"active": active}
        )
        record(
            actor=actor,
            verb="digest.subscribed" if active else "digest.unsubscribed",
            summary=f"{'Subscribed to' if active else 'Unsubscribed from'} the {team.key} digest",
            team_id=team.pk,
            target=subscription,
            after={"active": active},
        )
    return subscription


def digest_subscriber_add(
    *, team: Team, actor: Any, email: str, label: str = ""
) -> DigestSubscription:
    """The EM adds an email-only subscriber (someone without an account, or a list)."""
    perms.require(
        perms.actor_for(actor, team).is_em, "Only an engineering manager can add subscribers."
    )
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(fields={"email": ["Enter a valid email address."]}) from None
    with transaction.atomic():
        subscription = DigestSubscription.objects.filter(
            team=team, user__isnull=True, email__iexact=email
        ).first() or DigestSubscription(team=team, email=email)
        subscription.label = (label or "").strip()[:120]
        subscription.active = True
        subscription.added_by = actor
        subscription.save()
        record(
            actor=actor,
            verb="digest.subscriber_added",
            summary=f"Added {email} to the {team.key} digest",
            team_id=team.pk,
            target=subscription,
            after={"email": email, "label": subscription.label},
        )
    return subscription


def digest_subscriber_remove(*, team: Team, actor: Any, subscription_id: int) -> None:
    perms.require(
        perms.actor_for(actor, team).is_em, "Only an engineering manager can remove subscribers."
    )
    with transaction.atomic():
        subscription = DigestSubscription.objects.filter(
            pk=subscription_id, team=team, user__isnull=True
        ).first()
        if subscription is None:
            raise NotFound("No such subscriber.")
        record(
            actor=actor,
            verb="digest.subscriber_removed",
            summary=f"Removed {subscription.email} from the {team.key} digest",
            team_id=team.pk,
            before={"email": subscription.email},
        )
        subscription.delete()


def digest_unsubscribe(*, token: str) -> tuple[Team, str]:
    """Apply a signed unsubscribe link (no login). Returns the team and who was removed;
    NotFound for a forged, mangled or stale link."""
    link = unsubscribe_link(token)
    if link is None:
        raise NotFound("This unsubscribe link is not valid.")
    team, payload = link
    with transaction.atomic():
        if payload.get("u"):
            user = get_user_model().objects.filter(pk=payload["u"]).first()
            if user is None:
                raise NotFound("This unsubscribe link is not valid.")
            subscription, _ = DigestSubscription.objects.update_or_create(
                team=team, user=user, defaults={"active": False}
            )
            who = user.email or user.get_username()
        else:
            who = payload.get("e", "")
            listed = DigestSubscription.objects.filter(
                team=team, user__isnull=True, email__iexact=who
            ).first()
            if listed is None:
                return team, who  # already removed by the EM: nothing left to do
            subscription = listed
            subscription.active = False
            subscription.save(update_fields=["active", "updated_at"])
        record(
            actor=None,
            verb="digest.unsubscribed",
            summary=f"{who} unsubscribed from the {team.key} digest (email link)",
            team_id=team.pk,
            target=subscription,
            after={"active": False},
        )
    return team, who
