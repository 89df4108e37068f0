"""``manage.py audit_verify [--initiative KEY]``: recompute the audit log's hash chains
(``audit.verify``) and name the first broken link of each chain. Exits non-zero when one is
broken, so that a scheduled run or a CI job fails loudly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from initiatives.audit.verify import verify
from initiatives.models import Initiative


class Command(BaseCommand):
    help = "Verify the hash chains of the activity log and name the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--initiative", help="Only this initiative (e.g. PLAT-3).")

    def handle(self, *args: Any, **options: Any) -> None:
        initiative = None
        if options["initiative"]:
            initiative = Initiative.objects.by_key(options["initiative"]).first()
            if initiative is None:
                raise CommandError(f"No initiative {options['initiative']}.")
        report = verify(initiative)
        for link in report.broken:
            self.stderr.write(f"Broken: {link}")
        if not report.ok:
            raise CommandError(
                f"{len(report.broken)} of {report.chains} chain(s) broken "
                f"({report.events} events checked)."
            )
        self.stdout.write(f"OK: {report.chains} chain(s), {report.events} events verified.")
