from django.conf import settings
from django.db import models

from initiatives.models.choices import Health, choices_check
from initiatives.models.initiative import Initiative, Milestone


class StatusUpdate(models.Model):
    """The DRI's weekly update: one per initiative per ISO week in the team's time zone.
    Posting again in the same week revises it; earlier texts are kept as revisions."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="status_updates"
    )
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W47")
    health = models.CharField(max_length=16, choices=Health.choices)
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    progress = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    next_week = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "week"], name="status_update_one_per_week"
            ),
            choices_check("health", Health),
            models.CheckConstraint(
                condition=models.Q(health=Health.ON_TRACK) | ~models.Q(risks=""),
                name="status_update_risks_unless_on_track",
            ),
            models.CheckConstraint(
                condition=models.Q(week__regex=r"^[0-9]{4}-W[0-9]{2}$"),
                name="status_update_week_format",
            ),
        ]
        indexes = [models.Index(fields=["week"])]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.week} {self.health}"


class StatusUpdateRevision(models.Model):
    """An earlier text of a status update, kept when it is revised."""

    status_update = models.ForeignKey(
        StatusUpdate, on_delete=models.CASCADE, related_name="revisions"
    )
    revision = models.PositiveIntegerField()
    health = models.CharField(max_length=16, choices=Health.choices)
    milestone_id_at_revision = models.BigIntegerField(null=True, blank=True)
    progress = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    next_week = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_update", "revision"], name="status_update_revision_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status_update_id} r{self.revision}"
