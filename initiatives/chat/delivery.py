"""Sending chat messages, one delivery row at a time, with the webhook machinery
(``webhooks.delivery``): the URL's host resolved once and checked (public addresses only, no
redirects, a deadline over the whole attempt), the same exponential backoff and attempt cap.

A delivery is claimed with ``select_for_update(skip_locked=True)`` and moves
pending -> sending -> sent, back to pending after a failed attempt, or failed. Exactly once:
a duplicated task finds the row no longer pending and sends nothing; a row left in
``sending`` by a worker that died mid-request may have arrived, so the sweep gives it up for a
person to re-send rather than risk a second copy. A 404 or 410 means the channel's webhook is
gone: the channel is disabled, with the reason shown to the EM."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from initiatives.chat import crypto
from initiatives.chat.models import ChatChannel, ChatDelivery, ChatDeliveryStatus
from initiatives.chat.services import chat_channel_disable
from initiatives.webhooks.delivery import MAX_ATTEMPTS, DeliveryRefused, backoff_delay, post_json

log = logging.getLogger(__name__)

SENDING_STALE_AFTER = dt.timedelta(minutes=15)
GONE = (404, 410)


def _gone_reason(status: int, text: str) -> str:
    what = "404 Not Found" if status == 404 else "410 Gone"
    detail = f" ({text.strip()[:80]})" if text.strip() else ""
    return (
        f"The channel's webhook answered {what}{detail}: the channel or the integration was "
        "removed. Paste a new webhook URL and enable the channel again."
    )


def _post(channel: ChatChannel, payload: dict) -> tuple[int | None, str, bool]:
    """(status, error, gone) of one POST to the channel's webhook."""
    if not channel.active:
        return None, "The channel is disabled.", False
    try:
        url = crypto.decrypt(channel.webhook_url_encrypted)
    except crypto.UnreadableSecret as error:
        return None, str(error), False
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Shipshape-Chat/1"}
    try:
        status, text = post_json(url, body, headers)
    except (OSError, http.client.HTTPException, DeliveryRefused) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000], False
    if 200 <= status < 300:
        return status, "", False
    if status in GONE:
        return status, _gone_reason(status, text), True
    return status, f"HTTP {status}: {text[:500]}", False


def _email(delivery: ChatDelivery) -> str:
    try:
        EmailMultiAlternatives(
            subject=delivery.payload.get("subject", "Shipshape"),
            body=delivery.payload.get("text", ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.email],
        ).send()
    except Exception as error:  # SMTP and connection errors alike: retried with backoff
        return f"{type(error).__name__}: {error}"[:1000]
    return ""


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> int | None:
    """Make one attempt at a pending delivery. Returns the seconds to wait before the next
    attempt, or None when there is nothing more to do."""
    with transaction.atomic():
        delivery = (
            ChatDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=ChatDeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None
        delivery.status = ChatDeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.claimed_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "claimed_at", "updated_at"])
    status: int | None = None
    gone = False
    if delivery.channel_id is not None:
        channel = ChatChannel.objects.get(pk=delivery.channel_id)
        status, error, gone = _post(channel, delivery.payload)
        give_up = gone or not channel.active
    else:
        error, give_up = _email(delivery), False
    now = now or timezone.now()
    delay = None
    fields: dict = {"response_status": status, "last_error": error, "updated_at": now}
    if not error:
        fields.update(status=ChatDeliveryStatus.SENT, sent_at=now)
    elif give_up or delivery.attempts >= MAX_ATTEMPTS:
        fields.update(status=ChatDeliveryStatus.FAILED)
    else:
        delay = backoff_delay(delivery.attempts)
        fields.update(
            status=ChatDeliveryStatus.PENDING, next_attempt_at=now + dt.timedelta(seconds=delay)
        )
    ChatDelivery.objects.filter(pk=delivery.pk, status=ChatDeliveryStatus.SENDING).update(**fields)
    if gone and delivery.channel_id is not None:
        chat_channel_disable(channel_id=delivery.channel_id, reason=error)
    if error:
        log.info("Chat delivery %s attempt %s: %s", delivery.pk, delivery.attempts, error)
    return delay


def sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Repair what a dead worker or a lost message left: deliveries stuck in ``sending`` are
    given up (they may have arrived: never resent automatically), pending ones whose task was
    lost are returned to be queued again."""
    now = now or timezone.now()
    ChatDelivery.objects.filter(
        status=ChatDeliveryStatus.SENDING, claimed_at__lt=now - SENDING_STALE_AFTER
    ).update(
        status=ChatDeliveryStatus.FAILED,
        last_error="The worker stopped while sending; not resent automatically because the "
        "message may have arrived. Re-send it if it did not.",
        updated_at=now,
    )
    return list(
        ChatDelivery.objects.filter(
            status=ChatDeliveryStatus.PENDING, next_attempt_at__lt=now - SENDING_STALE_AFTER
        ).values_list("pk", flat=True)[:500]
    )
