"""Getting data in and out: a team's complete export as JSON and its restore (``selectors``,
``services``), the Jira and GitHub Projects CSV importers (``jira``, ``github``, applied by
``services``) and the CSV of every web list (``lists``). Imports the domain (models, rules,
selectors, services, audit) — never ``api`` or ``web``."""
