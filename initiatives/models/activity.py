"""The audit log. Append-only three times over: ``save()`` and ``delete()`` here, the
queryset's bulk ``update()`` / ``delete()`` here, and on PostgreSQL a trigger (migration 0006)
that refuses UPDATE and DELETE of its rows whoever sends them. Each row also carries a hash of
its content and of the previous event of the same initiative (``initiatives.audit.chain``), so
a row altered behind the trigger's back is found by ``manage.py audit_verify``."""

from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from initiatives.models.initiative import Initiative
from initiatives.models.team import Team


class AppendOnlyError(Exception):
    pass


class ActivityEventQuerySet(models.QuerySet):
    """Bulk changes are refused like single ones: the log is only ever appended to."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Activity events are append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Activity events are append-only.")

    update.queryset_only = True  # type: ignore[attr-defined]  # Django's manager-copy flag
    delete.queryset_only = True  # type: ignore[attr-defined]  # Django's manager-copy flag


class ActivityEvent(models.Model):
    """The audit log: one row per write, never changed or deleted."""

    # PROTECT everywhere: deleting a team, an initiative or a user never takes its history
    # with it (they are cancelled or deactivated instead).
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="activity")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="activity"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The actor's display name when the event was written: renaming a user later changes
    # nothing here.
    actor_name = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=48)
    summary = models.CharField(max_length=300)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Set by ``services.common.record`` before the row is hashed (not ``auto_now_add``,
    # which would overwrite it on save).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The hash chain of the event's initiative (of the team, for team events): the hash of
    # the previous event's content and of this one's (``audit.chain.content_hash``).
    prev_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # Marks an event restored from another installation's export (``transfer.services``):
    # the content hash it had there. Ids change on import, so the chain is sealed again here;
    # this ties each imported event to the chain in the exported file. Empty for events
    # written here.
    origin_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = ActivityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["initiative", "-created_at", "-id"]),
            models.Index(fields=["team", "verb", "-created_at"]),
            # The team's newest event (the audit chain of team events, the activity feeds).
            models.Index(fields=["team", "-id"], name="activity_team_newest"),
            # An initiative's last task move (the dashboard's drift: on track, no task moved).
            models.Index(
                fields=["initiative", "-created_at"],
                name="activity_last_task_move",
                condition=models.Q(verb="task.moved"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Activity events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Activity events are append-only.")
