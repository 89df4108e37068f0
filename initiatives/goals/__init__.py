"""Goals and key results: a team's goals per period, their key results (results to move and
monitors to keep healthy) with weekly check-ins, the initiatives contributing to them, the
weekly check-in reminder and the digest's "Goals" section. Imports the domain (models, rules,
services, selectors), ``weekly`` and ``dashboard`` (its SVG helpers); never ``api``, ``web``
or ``admin``. Nothing of the domain imports it: it registers with the weekly cycle."""
