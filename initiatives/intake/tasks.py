"""Intake's Celery tasks: thin, they take ids."""

from __future__ import annotations

from celery import shared_task

from initiatives.intake import notifications


@shared_task(name=notifications.NOTIFY_TASK, ignore_result=True)
def notify_requester(event_id: int) -> bool:
    return notifications.notify_requester(event_id)
