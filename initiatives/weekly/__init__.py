"""The weekly cycle: schedule, jobs, digest and reminders, mail, Celery tasks and its own reads
and writes. Imports the domain, never ``api`` or ``web``."""
