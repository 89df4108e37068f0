"""Every shared read, each with its query budget; never writes. Imports ``models`` and ``rules``,
never ``services``, ``api`` or ``web``."""
