"""Intake: requests to a team, their triage life cycle, the triage slot and the on-call
rotation, alert intake (CAT2) and the triage reminder. Imports the domain (models, rules,
services, selectors), ``tokens`` and ``weekly``; never ``api``, ``web`` or ``admin``."""
