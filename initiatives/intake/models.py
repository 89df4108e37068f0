"""Intake's tables: a team's triage settings and on-call rotation (with overrides), its intake
tokens for alert sources, and the requests themselves. The life cycle lives as data in
``initiatives.intake.rules``; only ``initiatives.intake.services`` writes these rows."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from initiatives.models import Initiative, Task, Team, Weekday
from initiatives.models.choices import choices_check


class Category(models.TextChoices):
    CAT1 = "cat1", "CAT1 escalation"
    CAT2 = "cat2", "CAT2 alert"
    FEATURE = "feature", "Feature request"
    QUESTION = "question", "Question"


class Impact(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class RequestState(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"  # looked at and kept for later (snoozed)
    ACCEPTED = "accepted", "Accepted"
    ROUTED = "routed", "Routed"
    DECLINED = "declined", "Declined"
    DUPLICATE = "duplicate", "Duplicate"
    RESOLVED = "resolved", "Resolved at source"  # an alert resolved before anyone triaged it


class IntakeSettings(models.Model):
    """A team's triage slot, on-call hand-over and who may ask it. A team without a row has
    the defaults (``IntakeSettings(team=team)`` unsaved)."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="intake_settings"
    )
    triage_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.TUESDAY
    )
    triage_time = models.TimeField(default=dt.time(10, 0))
    handover_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY
    )
    handover_time = models.TimeField(default=dt.time(9, 0))
    # The week (its Monday, team time) whose hand-over puts the first person of the rotation on
    # call; the others follow one week each, in order.
    rotation_start = models.DateField(null=True, blank=True)
    # Every signed-in user may file requests and see the rota; off: members only.
    open_to_all = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "intake settings"
        verbose_name_plural = "intake settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(triage_weekday__lte=6) & models.Q(handover_weekday__lte=6),
                name="intake_settings_weekdays_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake of {self.team_id}"


class RotationMember(models.Model):
    """One place in a team's on-call rotation."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rotation")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["team_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["team", "position"], name="rotation_position_unique"),
            models.UniqueConstraint(fields=["team", "user"], name="rotation_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} #{self.position}: {self.user_id}"


class OnCallOverride(models.Model):
    """Someone covers the rotation from ``starts_at`` to ``ends_at`` (a swap, a holiday)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="on_call_overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="on_call_override_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["team", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.user_id} from {self.starts_at:%Y-%m-%d}"


class IntakeToken(models.Model):
    """A bearer token an alert source (Alertmanager) sends to file CAT2 requests to one team.
    Only its SHA-256 is stored (as personal access tokens: ``tokens.services.hash_token``)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="intake_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


OPEN_STATES = (RequestState.NEW, RequestState.TRIAGED)


class IntakeRequest(models.Model):
    """A request to a team: from a person (any signed-in user) or an alert source."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="intake_requests")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    impact = models.CharField(max_length=16, choices=Impact.choices, default=Impact.MEDIUM)
    state = models.CharField(max_length=16, choices=RequestState.choices, default=RequestState.NEW)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intake_requests",
    )
    # For alerts: the system that sent it ("alertmanager", a generic source's name).
    source = models.CharField(max_length=100, blank=True)
    links = models.JSONField(default=list, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Back to the requester: the question asked, until they answer it.
    needs_info = models.BooleanField(default=False)
    question = models.TextField(blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # The decline reason, the routing note or the duplicate's note.
    resolution_note = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    # Routing hands the request to another team as a new request there; both stay linked.
    routed_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="routed_from"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Alerts: one open request per fingerprint, counting the notifications folded into it.
    fingerprint = models.CharField(max_length=200, blank=True)
    alert_count = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    alert_resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The newest audit event the requester was told about (at most one email per event).
    notified_event_id = models.BigIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            choices_check("category", Category),
            choices_check("impact", Impact),
            choices_check("state", RequestState),
            models.UniqueConstraint(
                fields=["team", "fingerprint"],
                condition=~models.Q(fingerprint="") & models.Q(state__in=OPEN_STATES),
                name="intake_one_open_request_per_fingerprint",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "state", "created_at"]),
            models.Index(fields=["requester", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
