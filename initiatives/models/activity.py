from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from initiatives.models.initiative import Initiative
from initiatives.models.team import Team


class AppendOnlyError(Exception):
    pass


class ActivityEvent(models.Model):
    """The audit log: one row per write, never changed or deleted."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="activity")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="activity"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=48)
    summary = models.CharField(max_length=300)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["initiative", "-created_at", "-id"]),
            models.Index(fields=["team", "verb", "-created_at"]),
            # The team's newest event: the version that keys cached pages (selectors.versions).
            models.Index(fields=["team", "-id"], name="activity_team_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Activity events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Activity events are append-only.")
