"""The outbox's own kind of message, ``celery.task``; other subjects register theirs where they
live (``webhooks.events``: ``webhook.event``). Every consumer is idempotent, so
a message handed over twice (a crash between publishing and commit) has its effect once."""

from __future__ import annotations

from typing import Any

from celery import current_app

from initiatives.outbox.api import register


@register("celery.task")
def publish_task(payload: dict[str, Any]) -> None:
    """Publish a registered Celery task by name. The weekly tasks act only on pending job and
    delivery rows, so a duplicate message sends nothing twice."""
    task = current_app.tasks[payload["task"]]
    task.delay(*payload.get("args", []), **payload.get("kwargs", {}))
