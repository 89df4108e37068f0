"""Notification rows, per-kind preferences and each person's email window."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from initiatives.models import ActivityEvent, EmailDelivery, Initiative
from initiatives.models.choices import choices_check


class Kind(models.TextChoices):
    """What a notification is about; each has its own preference. When several apply to one
    event the first in this order is the one (a mention on a followed initiative is a
    mention)."""

    MENTION = "mention", "Mentions of you"
    REPLY = "reply", "Replies to your comments"
    SIGNOFF = "signoff", "Sign-off requests and decisions"
    ASSIGNED = "assigned", "Made DRI or assignee"
    FOLLOWING = "following", "Initiatives you follow"


class Channel(models.TextChoices):
    BOTH = "both", "In the inbox and by email"
    IN_APP = "in_app", "In the inbox"
    EMAIL = "email", "By email"
    OFF = "off", "Off"


# Without a choice of their own: everything in the inbox, and by email what asks for you.
DEFAULT_CHANNEL: dict[str, str] = {
    Kind.MENTION: Channel.BOTH,
    Kind.REPLY: Channel.BOTH,
    Kind.SIGNOFF: Channel.BOTH,
    Kind.ASSIGNED: Channel.BOTH,
    Kind.FOLLOWING: Channel.IN_APP,
}


class EmailState(models.TextChoices):
    NONE = "", "Not by email"
    PENDING = "pending", "Waiting for the next email"
    BATCHED = "batched", "In an email"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(ActivityEvent, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    # Where it happened, as a path on the site (the comment's anchor, the item, …).
    url = models.CharField(max_length=300)
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=8, choices=EmailState.choices, blank=True, default=EmailState.NONE
    )
    email_delivery = models.ForeignKey(
        EmailDelivery, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="notification_once"),
            choices_check("kind", Kind),
            choices_check("email_state", EmailState),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_inbox_idx",
                condition=Q(in_app=True),
            ),
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=Q(in_app=True, read_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_email_idx",
                condition=Q(email_state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.summary}"


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind"),
            choices_check("kind", Kind),
            choices_check("channel", Channel),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"


class Mailbox(models.Model):
    """A person's email window: at most one notification email per
    ``NOTIFICATION_EMAIL_MINUTES``. The row is what a batch claims (skip_locked)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    last_email_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: last email {self.last_email_at}"
