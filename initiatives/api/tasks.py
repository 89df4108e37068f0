"""Celery tasks of the API (thin: they call ``initiatives.api.webhooks``)."""

from __future__ import annotations

from celery import shared_task

from . import webhooks


@shared_task(bind=True, max_retries=None, acks_late=True, ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    """One attempt at a delivery; on failure the task is retried with exponential backoff
    (the delivery row counts attempts and gives up after ``webhooks.MAX_ATTEMPTS``)."""
    delay = webhooks.delivery_attempt(delivery_id)
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task(ignore_result=True)
def webhook_sweep() -> int:
    """Re-queue deliveries whose task was lost; meant for Celery beat every few minutes."""
    ids = webhooks.due_deliveries()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
