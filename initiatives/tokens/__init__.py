"""Personal access tokens: the table and their writes (create, revoke, authenticate). Imports
``models`` and ``rules``, never ``api`` or ``web``."""
