from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from initiatives.models.choices import Role, choices_check

if TYPE_CHECKING:
    from django.contrib.auth.models import User

team_key_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}$", "2 to 10 capital letters or digits, starting with a letter."
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone: {value}")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Team(models.Model):
    key = models.CharField(max_length=10, unique=True, validators=[team_key_validator])
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    reminder_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.THURSDAY
    )
    reminder_time = models.TimeField(default=dt.time(10, 0))
    digest_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY
    )
    digest_time = models.TimeField(default=dt.time(9, 0))
    # The next initiative number; incremented with a row-level UPDATE so that concurrent
    # creations get distinct consecutive numbers (services.initiative_create).
    next_number = models.PositiveIntegerField(default=1, editable=False)
    # The version of everything the team's pages show: ``services.common.record`` adds one
    # inside every writing transaction. The UPDATE holds the row's lock until commit, so the
    # team's writers commit one after another and the number moves in commit order; cached
    # reads are keyed by it (``selectors.versions``).
    data_version = models.PositiveBigIntegerField(default=0, editable=False)
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_weekday__lte=6) & models.Q(digest_weekday__lte=6),
                name="team_weekdays_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ENGINEER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
            choices_check("role", Role),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.role}"
