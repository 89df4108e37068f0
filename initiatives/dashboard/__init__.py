"""The portfolio dashboard's figures and charts (reads only). Imports ``models``, ``rules`` and
``selectors``, never ``api`` or ``web``."""
