"""Chat (Slack and Mattermost): a team's channels, people's chat handles, the messages built for
each kind, their delivery through the outbox and the webhook machinery, slash commands and the
cross-team digest. Imports the domain, ``weekly``, ``webhooks`` and ``outbox``, never ``api``
or ``web``."""
