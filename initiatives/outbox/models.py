from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """One side effect to hand to the broker, written with the change that causes it."""

    kind = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["id"], name="outbox_pending_idx", condition=Q(dispatched_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        state = "dispatched" if self.dispatched_at else "pending"
        return f"{self.kind} #{self.pk} ({state})"
