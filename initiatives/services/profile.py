"""A person's own settings. Personal (like notification preferences): no team's data changes,
so no audit event and no data version moves."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.db import transaction

from initiatives.models import Profile
from initiatives.rules.exceptions import ValidationFailed


def profile_set_time_zone(*, actor: Any, time_zone: str) -> Profile:
    """Set ``actor``'s time zone (an IANA name); "" goes back to their team's."""
    time_zone = (time_zone or "").strip()
    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise ValidationFailed(
            fields={"time_zone": [f"“{time_zone}” is not a time zone (e.g. Europe/Berlin)."]},
            code="unknown_time_zone",
        )
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=actor)
        profile.time_zone = time_zone
        profile.save(update_fields=["time_zone"])
    return profile
