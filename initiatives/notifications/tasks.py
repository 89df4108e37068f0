"""Celery tasks of notifications. Thin: beat runs ``send_batches`` every minute; each email it
builds is sent by the weekly cycle's ``deliver_email`` (``weekly.tasks.dispatch_delivery``)."""

from __future__ import annotations

from celery import shared_task

from initiatives.notifications import email
from initiatives.weekly.tasks import dispatch_delivery


@shared_task(name="shipshape_notifications.send_batches", ignore_result=True)
def send_batches() -> int:
    return len(email.send_due_batches(dispatch=dispatch_delivery))
