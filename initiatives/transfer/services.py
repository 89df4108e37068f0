"""The writes of getting data in: restoring a team's export (``team_import``) and importing a
Jira or GitHub Projects CSV (``csv_import``). Each import is one transaction: it is written
whole or not at all. A dry run does all of it and rolls back, so it reports exactly what a
real run would create, and every row it would skip with why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from initiatives.models import Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import ApplicationError, ValidationFailed
from initiatives.services.common import record
from initiatives.transfer.plans import ImportPlan, apply_plan
from initiatives.transfer.restore import Restorer, check_format


@dataclass
class ImportReport:
    """What an import created (or, in a dry run, would create) and what it skipped."""

    source: str
    team: str
    dry_run: bool
    created: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)  # "line 12: why"
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "Would create" if self.dry_run else "Created"
        counts = ", ".join(f"{what}: {n}" for what, n in self.created.items() if n) or "nothing"
        out = [f"{verb} in team {self.team} from {self.source}: {counts}."]
        out += [f"  note: {note}" for note in self.notes]
        if self.skipped:
            out.append(f"Skipped {len(self.skipped)} row(s):")
            out += [f"  {skip}" for skip in self.skipped]
        return out


class _RollBack(Exception):
    """Ends a dry run's transaction once everything was written."""


def _require_admin(actor: Any) -> None:
    perms.require(
        actor is None or bool(getattr(actor, "is_superuser", False)),
        "Only an administrator can restore a team.",
    )


def team_import(
    *, data: Any, actor: Any = None, key: str = "", dry_run: bool = False
) -> ImportReport:
    """Restore a team's export as the team it was (``key`` empty) or as a new team ``key``.
    ``actor`` None is the operator at the shell (``manage.py import_team``); otherwise only a
    superuser may. Refused when the team exists already."""
    _require_admin(actor)
    check_format(data)
    try:
        key = (key or str(data["team"]["key"])).strip().upper()
    except (KeyError, TypeError):
        raise ValidationFailed("The export names no team.", code="not_an_export") from None
    if Team.objects.filter(key=key).exists():
        raise ValidationFailed(
            f"A team {key} exists already: import as a new team with another key.",
            fields={"key": [f"A team {key} exists already."]},
            code="team_exists",
        )
    report = ImportReport(source="a Shipshape export", team=key, dry_run=dry_run)
    try:
        with transaction.atomic():
            restorer = Restorer(data, key)
            try:
                team = restorer.run()
            except ApplicationError:
                raise
            except (DjangoValidationError, IntegrityError) as error:
                raise ValidationFailed(
                    f"The export holds a value this installation refuses ({error}); "
                    "nothing was imported.",
                    code="malformed_export",
                ) from None
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise ValidationFailed(
                    f"The export is incomplete or malformed ({type(error).__name__}: {error}); "
                    "nothing was imported.",
                    code="malformed_export",
                ) from None
            report.created.update(restorer.created)
            report.notes += restorer.notes
            record(
                actor=actor,
                verb="team.imported",
                summary=f"Imported team {team.key} from an export of {data['team']['key']}",
                team_id=team.pk,
                target=team,
                after={
                    "source_team": data["team"]["key"],
                    "exported_at": data.get("exported_at"),
                    **dict(restorer.created),
                },
            )
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return report


def csv_import(*, plan: ImportPlan, actor: Any, dry_run: bool = False) -> ImportReport:
    """Apply a parsed Jira or GitHub plan (``jira.parse``, ``github.parse``) through the
    domain's services, as ``actor`` (an EM of the team: imported dates may lie in the past)."""
    report = ImportReport(source=plan.source, team=plan.team.key, dry_run=dry_run)
    report.notes += plan.notes
    skipped = list(plan.skipped)
    who = perms.actor_for(actor, plan.team)
    perms.ensure_member(who)
    perms.require(who.is_em, "Only an engineering manager of the team can import into it.")
    try:
        with transaction.atomic():
            apply_plan(plan, actor, report.created, report.notes, skipped)
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    # Rows refused while writing are reported with those refused while reading, in file order.
    report.skipped = [str(skip) for skip in sorted(skipped, key=lambda skip: skip.line)]
    return report
