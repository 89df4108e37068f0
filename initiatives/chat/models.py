"""Chat's tables: a team's channels (or a person's own, for the cross-team digest), people's
chat handles, the cross-team digest subscriptions and the log of every message sent.

Exactly-once comes from ``ChatDelivery.dedupe_key`` (unique): the reminder or digest of a week
(or the key-result check-in reminder, posted by goals' weekly job through
``weekly.jobs.register_job_hook``) is one row per (channel, team, week, kind), an event one
row per (channel, audit event)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from initiatives.models import Team
from initiatives.models.choices import choices_check
from initiatives.models.team import Weekday, validate_time_zone


class ChatKind(models.TextChoices):
    SLACK = "slack", "Slack"
    MATTERMOST = "mattermost", "Mattermost"


# Audit verbs a channel may follow, as named in the web UI and the API. ``gate.no_longer_met``
# and ``signoff.requested`` are listened for by name: sent once some subject records them.
CHAT_EVENTS = {
    "initiative.transitioned": "An initiative moved to another state",
    "initiative.gate_overridden": "An EM overrode a gate",
    "gate.no_longer_met": "A gate passed is no longer met",
    "milestone.slipped": "A milestone slipped",
    "status_update.posted": "A weekly update was posted",
    "signoff.requested": "A sign-off was requested",
}
CHAT_MESSAGES = {
    "reminder": "The weekly reminder (initiatives without an update, their DRIs mentioned)",
    "digest": "The weekly digest broadcast",
    "kr_reminder": "The weekly key-result check-in reminder (key results without a check-in, "
    "their owners mentioned)",
    **CHAT_EVENTS,
}


class ChatChannel(models.Model):
    """Where messages go: an incoming webhook of a Slack or Mattermost channel. A team's
    channel is set up by its EM; a personal one (``owner``) carries its owner's cross-team
    digest. The URL is a credential: stored encrypted (``chat.crypto``), never shown again."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="chat_channels"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_channels",
    )
    kind = models.CharField(max_length=16, choices=ChatKind.choices)
    name = models.CharField(max_length=80, help_text="e.g. #cloud-internal-status-updates")
    webhook_url_encrypted = models.TextField()
    # What the page shows of the URL: its host and last characters.
    webhook_hint = models.CharField(max_length=120)
    messages = models.JSONField(default=list, blank=True)
    red_yellow_only = models.BooleanField(
        default=False, help_text="Weekly updates: only those at risk or off track."
    )
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team_id", "name", "pk"]
        constraints = [
            choices_check("kind", ChatKind),
            models.CheckConstraint(
                condition=Q(team__isnull=False, owner__isnull=True)
                | Q(team__isnull=True, owner__isnull=False),
                name="chat_channel_team_or_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    def wants(self, message: str) -> bool:
        return self.active and message in self.messages


class ChatIdentity(models.Model):
    """How a person is mentioned in chat and recognised in a slash command."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_identity"
    )
    slack_user_id = models.CharField(
        max_length=32, blank=True, help_text="Your Slack member id, e.g. U012AB3CD."
    )
    mattermost_username = models.CharField(
        max_length=64, blank=True, help_text="Your Mattermost username, without the @."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "chat identities"
        constraints = [
            models.UniqueConstraint(
                fields=["slack_user_id"],
                condition=~Q(slack_user_id=""),
                name="chat_identity_one_per_slack_member",
            ),
            models.UniqueConstraint(
                Lower("mattermost_username"),
                condition=~Q(mattermost_username=""),
                name="chat_identity_one_per_mattermost_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.slack_user_id or '-'} / {self.mattermost_username or '-'}"


class CrossTeamDigest(models.Model):
    """One person's digest of several teams, by email and/or on their own channel, at a slot
    and in a time zone of their own (instead of one digest per team)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cross_team_digest"
    )
    teams = models.ManyToManyField(Team, related_name="+")
    by_email = models.BooleanField(default=True)
    channel = models.OneToOneField(
        ChatChannel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    at = models.TimeField(default=dt.time(9, 0))
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="cross_team_digest_weekday")
        ]

    def __str__(self) -> str:
        return f"cross-team digest of {self.user_id}"


class MessageKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    DIGEST = "digest", "Digest"
    KR_REMINDER = "kr_reminder", "Key-result check-in reminder"
    EVENT = "event", "Event"
    CROSS_TEAM = "cross_team", "Cross-team digest"


class ChatDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Nothing to send"  # the week's claim when there was nothing to say


class ChatDelivery(models.Model):
    """One message to one channel (or, for a cross-team digest, one email), with its body
    frozen when it was built, and what happened when it was sent.

    Moves pending -> sending -> sent, back to pending with ``next_attempt_at`` after a failed
    attempt, or failed (attempts used up, the channel gone, or a worker that died mid-send:
    never resent automatically, it may have arrived). A re-send is a new row without a key."""

    channel = models.ForeignKey(
        ChatChannel, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        CrossTeamDigest, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    week = models.CharField(max_length=8, blank=True)
    event_type = models.CharField(max_length=48, blank=True)
    activity_id = models.BigIntegerField(null=True, blank=True)
    # "reminder:<channel>:<team>:<week>", "event:<channel>:<activity>", ...; None for re-sends.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=ChatDeliveryStatus.choices, default=ChatDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "chat deliveries"
        constraints = [
            choices_check("kind", MessageKind),
            choices_check("status", ChatDeliveryStatus),
            models.CheckConstraint(
                condition=Q(channel__isnull=False) | ~Q(email=""),
                name="chat_delivery_channel_or_email",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.week or self.event_type} → {self.channel_id} ({self.status})"
