"""Celery tasks of outgoing webhooks (thin: they call ``initiatives.webhooks.delivery``).

Their names predate this package (``initiatives.api.tasks``) and are kept, so that messages
already queued, outbox rows and beat schedules still resolve."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from initiatives.webhooks import delivery
from initiatives.webhooks.delivery import DELIVER_TASK

SWEEP_TASK = "initiatives.api.tasks.webhook_sweep"


@shared_task(bind=True, name=DELIVER_TASK, max_retries=None, acks_late=True, ignore_result=True)
def deliver_webhook(self: Any, delivery_id: int) -> None:
    """One attempt at a delivery; on failure the task is retried with exponential backoff
    (the delivery row counts attempts and gives up after ``delivery.MAX_ATTEMPTS``)."""
    delay = delivery.delivery_attempt(delivery_id)
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task(name=SWEEP_TASK, ignore_result=True)
def webhook_sweep() -> int:
    """Re-queue deliveries whose task was lost; meant for Celery beat every few minutes."""
    ids = delivery.due_deliveries()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
