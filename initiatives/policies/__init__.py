"""Team policies enforced as gates (WIP limits, pairing), priority ranks and blocked-by links.

The policies' settings and the dependencies are this app's tables (label ``policies``); an
initiative's ``rank`` is a column of the initiative. The policy check itself is written once:
pure in ``initiatives.rules.policies``, read in ``checks.py``, and called by the one
transition service (``services.initiatives.initiative_transition``).
"""
