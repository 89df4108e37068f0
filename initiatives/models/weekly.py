"""The weekly cycle's bookkeeping: which job ran for which team and week, and which email went
to whom. Exactly-once comes from these rows' unique keys, not from timing
(``initiatives.weekly.jobs``)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from initiatives.models.choices import choices_check
from initiatives.models.team import Team


class JobKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    DIGEST = "digest", "Digest"
    TRIAGE = "triage", "Triage reminder"  # intake's, at the team's triage slot
    KR_CHECKIN = "kr_checkin", "Key result check-in reminder"  # goals', at the reminder slot


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # claimed by the tick, contents not built yet
    RUNNING = "running", "Running"  # deliveries written, some not sent yet
    DONE = "done", "Done"  # every delivery sent or given up


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    """One (team, week, kind): the reminder or digest of a week runs at most once."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="job_runs")
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W47")
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-week", "team_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["team", "week", "kind"], name="job_run_once_per_week"),
            choices_check("kind", JobKind),
            choices_check("status", JobStatus),
            models.CheckConstraint(
                condition=models.Q(week__regex=r"^[0-9]{4}-W[0-9]{2}$"),
                name="job_run_week_format",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.team_id} {self.week} {self.kind} ({self.status})"


class EmailDelivery(models.Model):
    """One email of a job to one address, with its rendered contents frozen at build time so
    that a retry sends exactly what the first attempt would have."""

    # None for an email of no weekly job: a batch of notifications (``notifications.email``).
    job = models.ForeignKey(
        JobRun, on_delete=models.CASCADE, related_name="deliveries", null=True, blank=True
    )
    email = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After a failed attempt: not before this moment (the backoff survives a lost retry).
    not_before = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job_id", "email"]
        verbose_name_plural = "email deliveries"
        constraints = [
            models.UniqueConstraint(fields=["job", "email"], name="email_delivery_once_per_job"),
            choices_check("status", DeliveryStatus),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.job_id} to {self.email} ({self.status})"


class DigestSubscription(models.Model):
    """A member's choice about the team digest, or an email-only subscriber (no account).

    EMs and PMs receive the digest unless they opted out (``active=False``); any other
    member receives it once subscribed (``active=True``). An email-only row has no user."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="digest_subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_subscriptions",
    )
    email = models.EmailField(max_length=254, blank=True)
    label = models.CharField(max_length=120, blank=True, help_text="e.g. Director, Data team")
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team_id", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=models.Q(user__isnull=False),
                name="digest_subscription_one_per_member",
            ),
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=models.Q(user__isnull=True),
                name="digest_subscription_one_per_address",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(email=""),
                name="digest_subscription_user_or_email",
            ),
        ]

    def __str__(self) -> str:
        who = self.email or f"user {self.user_id}"
        return f"{self.team_id}: {who} ({'on' if self.active else 'off'})"
