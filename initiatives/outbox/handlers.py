"""The kinds of outbox message and how each is handed over. Every consumer is idempotent, so
a message handed over twice (a crash between publishing and commit) has its effect once."""

from __future__ import annotations

from typing import Any

from celery import current_app

from .api import register


@register("celery.task")
def publish_task(payload: dict[str, Any]) -> None:
    """Publish a registered Celery task by name. The weekly tasks act only on pending job and
    delivery rows, so a duplicate message sends nothing twice."""
    task = current_app.tasks[payload["task"]]
    task.delay(*payload.get("args", []), **payload.get("kwargs", {}))


@register("webhook.event")
def webhook_event(payload: dict[str, Any]) -> None:
    """Fan an audit event out to the team's webhook endpoints (delivery rows, then one
    delivery task each after this transaction commits)."""
    from initiatives.api.webhooks import enqueue_event

    enqueue_event(payload["activity_id"])
