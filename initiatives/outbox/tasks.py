from __future__ import annotations

from celery import shared_task

from initiatives.outbox import api


@shared_task(name="shipshape_outbox.drain", ignore_result=True)
def drain_outbox() -> dict[str, int]:
    """Celery beat, every minute: hand over what the prompt path could not (broker outage)."""
    return api.drain()
