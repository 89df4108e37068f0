"""Celery tasks of the collaboration package. Thin: they call ``collab.services``."""

from __future__ import annotations

from celery import shared_task

from initiatives.collab import services


@shared_task(name="shipshape_collab.signoff_overdue", ignore_result=True)
def signoff_overdue() -> int:
    """Celery beat: record each sign-off request that passed its due date (once); its event
    notifies the team's EM."""
    return services.signoff_requests_mark_overdue()
