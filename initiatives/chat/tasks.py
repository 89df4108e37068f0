"""Celery tasks of chat. Thin: they take ids and ISO weeks and call ``chat.jobs`` and
``chat.delivery``, where exactly-once is kept in the database.

beat -> chat_tick -> build (one per team, week and kind; one per cross-team subscriber)
     -> deliver (one per channel or email, retried with backoff)
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from initiatives.chat import delivery, jobs
from initiatives.chat.services import DELIVER_TASK
from initiatives.outbox.api import enqueue

TICK_TASK = "shipshape_chat.tick"
BUILD_TASK = "shipshape_chat.build"
CROSS_TEAM_TASK = "shipshape_chat.build_cross_team"


def dispatch_build(team_id: int, week: str, kind: str) -> None:
    enqueue("celery.task", {"task": BUILD_TASK, "args": [team_id, week, kind]}, now=True)


def dispatch_cross_team(subscription_id: int, week: str) -> None:
    enqueue("celery.task", {"task": CROSS_TEAM_TASK, "args": [subscription_id, week]}, now=True)


@shared_task(name=TICK_TASK, ignore_result=True)
def chat_tick() -> dict[str, int]:
    """Queue the reminders and digests due in channels, the cross-team digests due, and repair
    deliveries a lost message or a dead worker left behind."""
    now = timezone.now()
    builds = jobs.enqueue_due(now=now, dispatch=dispatch_build)
    cross = jobs.due_cross_team(now=now)
    for subscription_id, week in cross:
        dispatch_cross_team(subscription_id, week)
    lost = delivery.sweep(now=now)
    for delivery_id in lost:
        deliver_chat.delay(delivery_id)
    return {"builds": builds, "cross_team": len(cross), "requeued": len(lost)}


@shared_task(name=BUILD_TASK, ignore_result=True, acks_late=True)
def build(team_id: int, week: str, kind: str) -> int:
    return len(jobs.build(team_id, week, kind))


@shared_task(name=CROSS_TEAM_TASK, ignore_result=True, acks_late=True)
def build_cross_team(subscription_id: int, week: str) -> int:
    return len(jobs.build_cross_team(subscription_id, week))


@shared_task(bind=True, name=DELIVER_TASK, max_retries=None, acks_late=True, ignore_result=True)
def deliver_chat(self: Any, delivery_id: int) -> None:
    """One attempt; the attempt count and backoff live on the delivery row, Celery's retry is
    only the timer."""
    delay = delivery.deliver(delivery_id)
    if delay is not None:
        raise self.retry(countdown=delay)
