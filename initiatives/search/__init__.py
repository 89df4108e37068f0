"""Global search: initiatives, milestones, tasks and status updates the viewer may see, by word
prefixes (README "Search and keyboard shortcuts")."""
