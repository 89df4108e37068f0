"""``manage.py export_team KEY [--output FILE]``: the team's complete data as JSON
(``transfer.selectors.team_export``), to standard output or a file; ``import_team`` reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from initiatives.models import Team
from initiatives.transfer.selectors import team_export


class Command(BaseCommand):
    help = (
        "Export a team's complete data (initiatives, work, checklists, updates, activity) as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="The team's key, e.g. PLAT.")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(key=options["key"].upper()).first()
        if team is None:
            raise CommandError(f"No team {options['key']}.")
        text = json.dumps(team_export(team, now=timezone.now()), indent=1, ensure_ascii=False)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Exported team {team.key} to {options['output']}.")
        else:
            self.stdout.write(text)
