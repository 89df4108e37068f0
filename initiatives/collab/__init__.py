"""Collaboration: comments (threaded one level, Markdown, tombstones), reactions, @mentions,
sign-off requests and following, each write through ``collab.services`` (audited with
``services.common.record``). Imports the domain (models, rules, services, selectors), never
``notifications``, ``api`` or ``web``."""
