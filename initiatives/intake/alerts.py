"""Alert intake (CAT2): per-team intake tokens (stored hashed, as personal access tokens)
and the alerts they file, folded by fingerprint. Each write records one audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from initiatives.intake import rules
from initiatives.intake import selectors as reads
from initiatives.intake.models import (
    OPEN_STATES,
    Category,
    IntakeRequest,
    IntakeToken,
    RequestState,
)
from initiatives.intake.rotation import require_manager
from initiatives.intake.services import request_event
from initiatives.models import Team
from initiatives.rules.exceptions import ValidationFailed
from initiatives.services.common import check_text, record, require_text
from initiatives.tokens.services import hash_token

INTAKE_TOKEN_PREFIX = "ssi_"


# --- Intake tokens and alerts ----------------------------------------------------------------


def intake_token_create(*, team: Team, actor: Any, name: str) -> tuple[IntakeToken, str]:
    """A token for an alert source to file CAT2 requests to ``team`` (shown once)."""
    require_manager(actor, team)
    check_text(name=name)
    name = require_text(name, "name", "Give the token a name.")
    token = INTAKE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if IntakeToken.objects.filter(team=team, revoked_at__isnull=True).count() >= 20:
            raise ValidationFailed(fields={"name": ["At most 20 active intake tokens."]})
        row = IntakeToken.objects.create(
            team=team,
            name=name,
            prefix=token[: len(INTAKE_TOKEN_PREFIX) + 6],
            token_hash=hash_token(token),
            created_by=actor,
        )
        record(
            actor=actor,
            verb="intake.token_created",
            summary=f"Created the intake token “{name}” for {team.key}",
            team_id=team.pk,
            target=row,
            after={"name": name, "prefix": row.prefix},
        )
    return row, token


def intake_token_revoke(*, token: IntakeToken, actor: Any) -> IntakeToken:
    require_manager(actor, token.team)
    with transaction.atomic():
        row = IntakeToken.objects.select_for_update().get(pk=token.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            record(
                actor=actor,
                verb="intake.token_revoked",
                summary=f"Revoked the intake token “{row.name}”",
                team_id=row.team_id,
                target=row,
            )
    return row


def intake_token_authenticate(team_key: str, token: str) -> Team | None:
    """The team an intake token files to, if it is that team's and not revoked."""
    if not token.startswith(INTAKE_TOKEN_PREFIX) or len(token) > 200:
        return None
    row = (
        IntakeToken.objects.select_related("team")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or row.team.key != str(team_key).upper():
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        IntakeToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.team


@dataclass(frozen=True)
class AlertOutcome:
    fingerprint: str
    outcome: str  # created, folded, resolved, ignored
    request_id: int | None


def alerts_receive(*, team: Team, body: dict[str, Any]) -> list[AlertOutcome]:
    """File alerts as CAT2 requests: a firing alert opens a request, or folds into the open
    one with its fingerprint (a counter and the last time seen); a resolved one closes its
    request if nobody triaged it yet."""
    if rules.is_alertmanager(body):
        alerts = rules.alerts_from_alertmanager(body)
    else:
        alerts = [rules.alert_from_generic(body)]
        if not alerts[0].title or not alerts[0].fingerprint:
            raise ValidationFailed(
                "An alert needs a title and a fingerprint (or Alertmanager's webhook JSON).",
                fields={
                    name: ["This field is required."]
                    for name in ("title", "fingerprint")
                    if not getattr(alerts[0], name)
                },
            )
    if len(alerts) > 500:
        raise ValidationFailed(fields={"alerts": ["At most 500 alerts at once."]})
    outcomes = []
    for alert in alerts:
        if not alert.fingerprint:
            outcomes.append(AlertOutcome("", "ignored", None))
            continue
        try:
            outcomes.append(_receive_one(team, alert))
        except IntegrityError:  # another notification opened it meanwhile: fold into that one
            outcomes.append(_receive_one(team, alert))
    return outcomes


def _receive_one(team: Team, alert: rules.Alert) -> AlertOutcome:
    now = timezone.now()
    with transaction.atomic():
        existing = (
            IntakeRequest.objects.select_for_update()
            .select_related("team")
            .filter(team=team, fingerprint=alert.fingerprint, state__in=OPEN_STATES)
            .first()
        )
        if not alert.firing:
            if existing is None:
                return AlertOutcome(alert.fingerprint, "ignored", None)
            existing.alert_resolved_at = now
            resolved = existing.state == RequestState.NEW
            if resolved:
                existing.state = RequestState.RESOLVED
                existing.closed_at = now
            existing.version = F("version") + 1
            existing.save()
            existing.refresh_from_db()
            request_event(
                existing,
                None,
                "request.resolved" if resolved else "request.alert_resolved",
                f"Alert resolved at its source: #{existing.pk} {existing.title}",
                after={"fingerprint": alert.fingerprint},
            )
            return AlertOutcome(alert.fingerprint, "resolved", existing.pk)
        if existing is not None:
            existing.alert_count = F("alert_count") + 1
            existing.last_seen_at = now
            existing.save(update_fields=["alert_count", "last_seen_at", "updated_at"])
            existing.refresh_from_db()
            request_event(
                existing,
                None,
                "request.alert_repeated",
                f"Alert fired again ({existing.alert_count} times): #{existing.pk}",
                after={"alert_count": existing.alert_count},
            )
            return AlertOutcome(alert.fingerprint, "folded", existing.pk)
        with transaction.atomic():  # a savepoint: a lost race raises IntegrityError here
            request = IntakeRequest.objects.create(
                team=team,
                title=alert.title or "Alert",
                description=alert.description,
                category=Category.CAT2,
                impact=alert.impact,
                source=alert.source,
                links=[alert.url] if alert.url.startswith(("http://", "https://")) else [],
                assignee=reads.rota(team, now=now).on_call,
                fingerprint=alert.fingerprint,
                alert_count=1,
                last_seen_at=now,
            )
        request_event(
            request,
            None,
            "request.created",
            f"New alert #{request.pk} {request.title}",
            after={
                "title": request.title,
                "category": request.category,
                "impact": request.impact,
                "assignee": request.assignee_id,
                "source": request.source,
            },
        )
        return AlertOutcome(alert.fingerprint, "created", request.pk)
