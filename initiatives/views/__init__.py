"""The web UI, split by page family: ``pages`` (my work, teams, initiatives and their forms),
``weekly`` (digest preview, subscriptions), ``dashboard`` (the EM portfolio)."""
