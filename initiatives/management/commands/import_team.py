"""``manage.py import_team FILE``: restore a team's export (``export_team``), or import a Jira
or GitHub Projects CSV export into a team. ``--dry-run`` does the whole import and rolls it
back, printing what would be created and every row it would skip, with why. Each import is
one transaction: nothing is written unless all of it is."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from initiatives.models import Team
from initiatives.rules.exceptions import ApplicationError
from initiatives.transfer import github, jira
from initiatives.transfer.services import ImportReport, csv_import, team_import


class Command(BaseCommand):
    help = "Restore a team's JSON export, or import a Jira or GitHub Projects CSV export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The export: a .json from export_team, or a .csv.")
        parser.add_argument(
            "--from",
            dest="source",
            choices=["export", "jira", "github"],
            default="export",
            help="What the file is (default: a Shipshape export).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report, write nothing.")
        parser.add_argument("--key", default="", help="Export: import as a new team KEY.")
        parser.add_argument("--team", help="CSV: the team to import into.")
        parser.add_argument("--as", dest="actor", help="CSV: the EM the import is done by.")
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            metavar="NAME=STATE",
            help="CSV: map a status to a task state (todo, in_progress, in_review, done, "
            "wont_do); repeatable.",
        )
        parser.add_argument(
            "--epic-status",
            action="append",
            default=[],
            metavar="NAME=STATE",
            help="Jira: map an epic's status to an initiative state; repeatable.",
        )
        parser.add_argument(
            "--milestone-field", default="", help="Jira: the column naming milestones."
        )
        parser.add_argument(
            "--milestone-due",
            type=dt.date.fromisoformat,
            help="Jira: the delivery date of milestones none of whose issues has a due date.",
        )
        parser.add_argument("--dri", help="Jira: the DRI of epics whose assignee is unknown.")
        parser.add_argument(
            "--jira-url", default="", help="Jira: base URL, to link each task to its issue."
        )
        parser.add_argument("--initiative", help="GitHub: the initiative (KEY-N) to add to.")
        parser.add_argument(
            "--state-field", default="Status", help="GitHub: the single-select field of state."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            report = self._import(text, options)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        for line in report.lines():
            self.stdout.write(line)
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")

    def _import(self, text: str, options: dict[str, Any]) -> ImportReport:
        dry_run = options["dry_run"]
        if options["source"] == "export":
            try:
                data = json.loads(text)
            except ValueError as error:
                raise CommandError(f"Not JSON: {error}") from None
            return team_import(data=data, key=options["key"], dry_run=dry_run)
        team = Team.objects.filter(key=(options["team"] or "").upper()).first()
        if team is None:
            raise CommandError("Name the team to import into with --team KEY.")
        actor = _user(options["actor"], "--as USERNAME (an EM of the team)")
        if options["source"] == "jira":
            plan = jira.parse(
                team,
                text,
                status=options["status"],
                epic_status=options["epic_status"],
                milestone_field=options["milestone_field"],
                milestone_due=options["milestone_due"],
                dri=_user(options["dri"], "--dri") if options["dri"] else None,
                jira_url=options["jira_url"],
            )
        else:
            if not options["initiative"]:
                raise CommandError("Name the initiative to add the tasks to with --initiative.")
            plan = github.parse(
                team,
                text,
                initiative=options["initiative"],
                state_field=options["state_field"],
                status=options["status"],
            )
        return csv_import(plan=plan, actor=actor, dry_run=dry_run)


def _user(username: str | None, option: str) -> Any:
    user = get_user_model().objects.filter(username=username or "").first()
    if user is None:
        raise CommandError(f"No user {username!r}: give {option}.")
    return user
