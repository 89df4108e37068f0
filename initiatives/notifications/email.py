"""Batched notification email, sent through the weekly cycle's delivery machinery.

Beat runs ``send_due_batches`` every minute. For each person with notifications waiting for
email whose last notification email is at least ``NOTIFICATION_EMAIL_MINUTES`` (15) old, it
claims their ``Mailbox`` row (``select_for_update(skip_locked=True)``), renders one email
listing everything waiting, writes it as an ``EmailDelivery`` (a row per email, contents
frozen), links the notifications to it and moves the window on — all in one transaction, so a
worker killed half way leaves nothing claimed, and two workers never build the same batch.
After commit the delivery goes to ``weekly.tasks.deliver_email`` through the outbox, the same
sender as the digest: claimed with skip_locked, pending -> sending -> sent, retried on SMTP
errors, never sent twice (a worker killed mid-send leaves the row ``sending``; the weekly sweep
marks it failed for a person to check rather than risk a second copy).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from initiatives.models import EmailDelivery
from initiatives.notifications.models import EmailState, Kind, Mailbox, Notification
from initiatives.notifications.services import unsubscribe_token
from initiatives.weekly.digest import absolute
from initiatives.weekly.mail import RenderedEmail

DeliveryDispatch = Callable[[int], Any]


def window() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "NOTIFICATION_EMAIL_MINUTES", 15))


def unsubscribe_url(user_id: int, kind: str) -> str:
    path = reverse("notifications-unsubscribe", kwargs={"token": unsubscribe_token(user_id, kind)})
    return absolute(path)


def render_batch(user: Any, notifications: list[Notification]) -> RenderedEmail:
    """One email listing ``notifications`` (oldest first), grouped by initiative, with an
    unsubscribe link per kind it holds."""
    groups: dict[int | None, list[Notification]] = {}
    for n in notifications:
        groups.setdefault(n.initiative_id, []).append(n)
    kinds = Counter(n.kind for n in notifications)
    links = [(Kind(kind).label, unsubscribe_url(user.pk, kind)) for kind in kinds]
    main = unsubscribe_url(user.pk, kinds.most_common(1)[0][0])
    count = len(notifications)
    subject = (
        notifications[0].summary[:120] if count == 1 else f"{count} new notifications in Shipshape"
    )
    context = {
        "user": user,
        "groups": list(groups.values()),
        "count": count,
        "subject": subject,
        "site_url": settings.SITE_URL,
        "inbox_url": absolute(reverse("inbox")),
        "preferences_url": absolute(reverse("notification-preferences")),
        "unsubscribe_links": links,
    }
    return RenderedEmail(
        to=user.email,
        subject=subject,
        text=render_to_string("email/notifications.txt", context),
        html=render_to_string("email/notifications.html", context),
        headers={
            "List-Unsubscribe": f"<{main}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "Shipshape notifications <notifications.shipshape>",
        },
    )


def batch_for(user_id: int, *, now: dt.datetime, dispatch: DeliveryDispatch) -> int | None:
    """Build the person's next email if their window allows; returns the delivery id."""
    Mailbox.objects.get_or_create(user_id=user_id)
    with transaction.atomic():
        box = Mailbox.objects.select_for_update(skip_locked=True).filter(user_id=user_id).first()
        if box is None:  # another worker is building this person's email
            return None
        if box.last_email_at is not None and now < box.last_email_at + window():
            return None
        pending = list(
            Notification.objects.filter(recipient_id=user_id, email_state=EmailState.PENDING)
            .select_related("initiative__team")
            .order_by("created_at", "pk")
        )
        user = get_user_model().objects.filter(pk=user_id).first()
        if not pending or user is None:
            return None
        if not user.email or not user.is_active:
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
                email_state=EmailState.NONE
            )
            return None
        email = render_batch(user, pending)
        delivery = EmailDelivery.objects.create(
            job=None,
            email=email.to.strip().lower(),
            user=user,
            subject=email.subject[:300],
            body_text=email.text,
            body_html=email.html,
            headers=email.headers,
        )
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            email_state=EmailState.BATCHED, email_delivery=delivery
        )
        box.last_email_at = now
        box.save(update_fields=["last_email_at"])
        transaction.on_commit(partial(dispatch, delivery.pk))
    return delivery.pk


def send_due_batches(*, now: dt.datetime | None = None, dispatch: DeliveryDispatch) -> list[int]:
    """Build every notification email that is due (see the module docstring)."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(email_state=EmailState.PENDING)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    built = []
    for user_id in sorted(set(waiting)):
        delivery_id = batch_for(user_id, now=now, dispatch=dispatch)
        if delivery_id is not None:
            built.append(delivery_id)
    return built
