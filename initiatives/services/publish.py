"""The domain's one publish point. ``services.common.record`` publishes every audit event it
writes, inside the transaction of the write; subjects with side effects subscribe here
(``webhooks.events`` today) instead of being imported by the services."""

from __future__ import annotations

from collections.abc import Callable

from initiatives.models import ActivityEvent

Subscriber = Callable[[ActivityEvent], None]

_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register ``subscriber`` for every recorded audit event (usable as a decorator)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def publish(event: ActivityEvent) -> None:
    """Offer ``event`` to every subscriber, in the recording transaction: a subscriber that
    needs the commit (a message to send) writes an outbox row, which waits for it."""
    for subscriber in _subscribers:
        subscriber(event)
