"""Outgoing webhooks: endpoints, events from the audit log, signed delivery, tasks. Imports the
domain and ``outbox``, never ``api`` or ``web``."""
