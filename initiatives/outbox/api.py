"""Writing, dispatching and draining outbox messages; see the package docstring."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from initiatives.compiled import CompiledRead
from initiatives.outbox.models import OutboxMessage
from tracker.observability import OUTBOX_DISPATCHED, current_request_id, request_id_var

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Any]
HANDLERS: dict[str, Handler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return decorator


def enqueue(kind: str, payload: dict[str, Any], *, now: bool = False) -> OutboxMessage:
    """Record a side effect in the current transaction; it is handed over after commit.

    ``now=True`` is for callers that already run after their commit (``on_commit``
    callbacks, such as the weekly jobs' dispatch): the row is written and handed over at
    once, and stays pending for the drain if the broker is down."""
    if kind not in HANDLERS:
        raise ValueError(f"Unknown outbox message kind: {kind}")
    message = OutboxMessage.objects.create(
        kind=kind, payload=payload, request_id=current_request_id()
    )
    if now:
        try:
            dispatch_one(message.pk)
        except Exception:  # the row is saved; the drain will hand it over
            log.exception("Outbox message %s left for the drain", message.pk)
    else:
        # robust: a broker outage must not turn a committed write into an error; the row waits.
        # (A named function, not a functools.partial: Django 5.2 logs a failing robust hook by
        # its __qualname__, which a partial lacks, and the AttributeError escapes.)
        pk = message.pk

        def hand_over() -> None:
            dispatch_one(pk)

        transaction.on_commit(hand_over, robust=True)
    return message


def _handle(message: OutboxMessage) -> bool:
    """Run the message's handler inside the caller's transaction (a savepoint). Returns False
    and notes the error when it fails (the broker is down, most often)."""
    token = request_id_var.set(message.request_id or current_request_id())
    try:
        with transaction.atomic():
            HANDLERS[message.kind](message.payload)
    except Exception as error:
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        message.save(update_fields=["attempts", "last_error"])
        log.warning("Outbox message %s (%s) not dispatched: %s", message.pk, message.kind, error)
        return False
    finally:
        request_id_var.reset(token)
    message.attempts += 1
    message.dispatched_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "dispatched_at", "last_error"])
    OUTBOX_DISPATCHED.labels(message.kind).inc()
    return True


# Built once per process (initiatives.compiled): every write with a side effect reads it.
_PENDING_LOCKED: CompiledRead[OutboxMessage] = CompiledRead(
    lambda message_id: (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(pk=message_id, dispatched_at__isnull=True)
        .order_by()[:1]
    ),
    message_id=int,
)


def dispatch_one(message_id: int) -> bool:
    """The prompt path, right after the change committed: hand over this one message unless
    a drain holds or already handed it over."""
    with transaction.atomic():
        found = _PENDING_LOCKED.rows(message_id=message_id)
        return _handle(found[0]) if found else False


def drain(*, batch: int = 100, limit: int = 5000) -> dict[str, int]:
    """Hand over every pending message, oldest first. Rows another drain holds are skipped;
    the first failure ends the run (the next drain tries again)."""
    sent = failed = 0
    while sent + failed < limit:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(dispatched_at__isnull=True)
                .order_by("pk")[:batch]
            )
            if not messages:
                break
            for message in messages:
                if _handle(message):
                    sent += 1
                else:
                    failed += 1
                    break
        if failed:
            break
    return {"dispatched": sent, "failed": failed}


def pending_count() -> int:
    return OutboxMessage.objects.filter(dispatched_at__isnull=True).count()
