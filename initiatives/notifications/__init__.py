"""Notifications: one row per (recipient, audit event), made after commit through the outbox
from the events ``services.publish`` offers; per-kind preferences (in-app, email, both, off);
batched email through the weekly cycle's delivery rows and sender; unsubscribe links. Imports
the domain, ``collab`` and ``weekly`` (its delivery machinery), never ``api`` or ``web``."""
