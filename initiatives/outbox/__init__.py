"""Transactional outbox: side effects (Celery tasks, webhook fan-out) written as rows in the
transaction of the change that causes them, then handed to the broker. Imports only its own
model and ``tracker.observability``.

- ``api.enqueue(kind, payload)`` inserts an ``OutboxMessage`` in the caller's transaction; nothing
  is written if the change rolls back, and the change does not depend on the broker.
- After commit it tries to dispatch that one row at once (the prompt path); if the broker is
  down the row stays pending and the request still succeeds.
- ``api.drain()`` (Celery beat, every minute) claims pending rows with
  ``select_for_update(skip_locked=True)``, dispatches each and marks it dispatched, so a row is
  handed over once when the broker is back. A crash between publishing and the commit may hand
  a row over twice: every handler's consumer is idempotent (delivery rows with a status).
"""
