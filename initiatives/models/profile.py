"""A person's own settings: their time zone (empty: their team's)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from initiatives.models.team import validate_time_zone


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shipshape_profile"
    )
    # An IANA name (Europe/Berlin); empty: the time zone of the person's (first) team.
    time_zone = models.CharField(
        max_length=64, blank=True, default="", validators=[validate_time_zone]
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.time_zone or 'team time zone'})"
