"""What send_reminders and send_digest share."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from initiatives.models import DeliveryStatus, JobKind, Team
from initiatives.rules.exceptions import ValidationFailed
from initiatives.rules.workflow import parse_iso_week, shift_week
from initiatives.weekly.jobs import deliver_now, dry_run, run_job
from initiatives.weekly.schedule import check_digest_week, local_week
from initiatives.weekly.selectors import team_existed_since


class WeeklyJobCommand(BaseCommand):
    kind: str = JobKind.DIGEST

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="Team key, e.g. PLAT")
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: see --help)")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the text version; send nothing."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the job to the Celery workers instead of sending from this process.",
        )

    def default_week(self, team: Team) -> str:
        week = local_week(team, timezone.now())
        return shift_week(week, -1) if self.kind == JobKind.DIGEST else week

    def handle(self, *args, team: str, week: str | None, enqueue: bool, **opts):
        found = Team.objects.filter(key=team.upper()).first()
        if found is None:
            raise CommandError(f"No team {team!r}.")
        week = week or self.default_week(found)
        try:
            parse_iso_week(week)
            if self.kind == JobKind.DIGEST:
                since = team_existed_since(found)
                check_digest_week(found, week, timezone.now(), existed_since=since)
        except ValidationFailed as error:
            raise CommandError(error.message) from None
        if opts["dry_run"]:
            self.stdout.write(dry_run(found, week, self.kind))
            return
        if enqueue:
            from initiatives.weekly.tasks import dispatch_job

            dispatch_job(self.kind, found.pk, week)
            self.stdout.write(f"Enqueued the {week} {self.kind} of {found.key}.")
            return
        job = run_job(found.pk, week, self.kind, dispatch=deliver_now)
        if job is None:
            raise CommandError("Another worker is running this job right now; try again.")
        counts = {s: 0 for s in DeliveryStatus.values}
        for status in job.deliveries.values_list("status", flat=True):
            counts[status] += 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no emails"
        note = f" ({job.note})" if job.note else ""
        self.stdout.write(f"{found.key} {week} {self.kind}: {job.status}, {summary}{note}")
