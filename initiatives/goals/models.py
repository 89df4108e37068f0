"""The tables of goals and key results. Only ``initiatives.goals.services`` writes them; the
rules over their values (progress, bands, what is behind) live in ``initiatives.goals.rules``."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from initiatives.models import Health, Initiative, Team
from initiatives.models.choices import choices_check


class Period(models.TextChoices):
    QUARTER = "quarter", "Quarter"
    HALF = "half", "Half year"


class GoalStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"
    DROPPED = "dropped", "Dropped"


# A goal still being worked on (its key results are reminded and reported).
OPEN_GOAL_STATUSES = (GoalStatus.ON_TRACK, GoalStatus.AT_RISK, GoalStatus.OFF_TRACK)


class KRKind(models.TextChoices):
    RESULT = "result", "Result"  # a number to move
    MONITOR = "monitor", "Monitor"  # a number to keep healthy


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase"
    DECREASE = "decrease", "Decrease"
    BAND = "band", "Stay within a band"


class Goal(models.Model):
    """A team's goal for a period (a quarter or a half), optionally shared with other teams:
    their members see it and link their initiatives to its key results."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)  # Markdown
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=16, choices=Period.choices, default=Period.QUARTER)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=GoalStatus.choices, default=GoalStatus.ON_TRACK
    )
    shared_with = models.ManyToManyField(Team, blank=True, related_name="shared_goals")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team_id", "-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="goal_ends_after_start",
            ),
            choices_check("period", Period),
            choices_check("status", GoalStatus),
        ]
        indexes = [models.Index(fields=["team", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_GOAL_STATUSES


class KeyResult(models.Model):
    """A measurable result under a goal: a ``result`` moves from its baseline to its target,
    a ``monitor`` stays healthy (within its band, or on the right side of its target)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=KRKind.choices, default=KRKind.RESULT)
    unit = models.CharField(max_length=30, blank=True)
    baseline = models.FloatField(default=0)
    target = models.FloatField(null=True, blank=True)
    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.INCREASE
    )
    band_low = models.FloatField(null=True, blank=True)
    band_high = models.FloatField(null=True, blank=True)
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="key_results")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["goal_id", "pk"]
        constraints = [
            choices_check("kind", KRKind),
            choices_check("direction", Direction),
        ]

    def __str__(self) -> str:
        return self.title


class CheckIn(models.Model):
    """A key result's value in one ISO week: at most one per week. Posting again in the same
    week revises it; the earlier versions are kept in ``revisions`` (oldest first)."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    week = models.CharField(max_length=8)  # ISO week, 2026-W49
    value = models.FloatField()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)  # 0-100 %
    confidence_level = models.CharField(max_length=16, choices=Health.choices, blank=True)
    note = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revisions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["key_result_id", "week"]
        constraints = [
            models.UniqueConstraint(fields=["key_result", "week"], name="check_in_one_per_week"),
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True) | models.Q(confidence__lte=100),
                name="check_in_confidence_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result_id} {self.week}: {self.value:g}"
