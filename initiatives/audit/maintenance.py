"""The one sanctioned change of existing audit rows: giving seeded demo history its times.

``seed_demo`` creates its initiatives through the services (so every event is real) and then
spreads their events over the past months. Only the time columns and the chain columns move:
on PostgreSQL the append-only trigger lets this transaction through for those columns alone
(``shipshape.audit_rewrite``, migration 0006), and the chains touched are sealed again. Never
used on a live team's data: a rewritten history would verify, which is why nothing but the
demo seeding calls it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import connection, models, transaction

from initiatives.audit.chain import chain_of, seal
from initiatives.models import ActivityEvent


def _plain() -> models.QuerySet[ActivityEvent]:
    # The manager's queryset refuses ``update()``; this path is the exception it exists for.
    return models.QuerySet(ActivityEvent)


def rewrite_times(times: Mapping[int, dt.datetime]) -> None:
    """Set ``created_at`` of the events ``times`` names and reseal their chains."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL shipshape.audit_rewrite = 'on'")
        for pk, when in times.items():
            _plain().filter(pk=pk).update(created_at=when)
        events = ActivityEvent.objects.filter(pk__in=list(times))
        chains = {tuple(sorted(chain_of(e).items())) for e in events}
        for chain in chains:
            previous = None
            for event in ActivityEvent.objects.filter(**dict(chain)).order_by("pk"):
                seal(event, previous)
                previous = event.content_hash
                _plain().filter(pk=event.pk).update(
                    prev_hash=event.prev_hash, content_hash=event.content_hash
                )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL shipshape.audit_rewrite = 'off'")
