"""Comments, reactions, mentions, sign-off requests and follows. Rows are written only by
``collab.services``; none is ever hard-deleted by the application (a removed comment stays as
a tombstone, a follow is switched off)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from initiatives.models import ChecklistItem, Initiative, StatusUpdate
from initiatives.models.choices import choices_check


class TargetKind(models.TextChoices):
    """What a comment is about: the initiative itself or one of its parts."""

    INITIATIVE = "initiative", "Initiative"
    UPDATE = "update", "Weekly update"
    MILESTONE = "milestone", "Milestone"
    ITEM = "item", "Checklist item"


# A small fixed set, keyed by a stable name (the API's value), shown as the emoji.
REACTIONS: dict[str, str] = {
    "+1": "👍",
    "heart": "❤️",
    "tada": "🎉",
    "eyes": "👀",
    "rocket": "🚀",
    "confused": "😕",
}


class Comment(models.Model):
    """A comment on an initiative or one of its parts; a reply has a ``parent`` (one level)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="comments")
    target_kind = models.CharField(max_length=16, choices=TargetKind.choices)
    # The pk of the update, milestone or checklist item (the initiative's own pk for
    # ``initiative``): always a part of ``initiative`` (checked by the service).
    target_id = models.BigIntegerField()
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by an edit made after the grace period (``rules.collab.EDIT_GRACE``): "edited".
    edited_at = models.DateTimeField(null=True, blank=True)
    # A tombstone: the text is gone, the row (and who removed it, in the log) stays.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            choices_check("target_kind", TargetKind),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(body=""),
                name="comment_has_text_unless_removed",
            ),
        ]
        indexes = [models.Index(fields=["initiative", "created_at"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.target_kind} {self.target_id}"

    @property
    def is_removed(self) -> bool:
        return self.deleted_at is not None

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


class MentionSource(models.TextChoices):
    COMMENT = "comment", "Comment"
    UPDATE = "update", "Weekly update"


class Mention(models.Model):
    """A team member named with ``@username`` in a comment or a weekly update, resolved when
    the text was saved. Unique per text and person: an edit that keeps a mention does not
    mention again (and so notifies once)."""

    Source = MentionSource

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    source_kind = models.CharField(max_length=16, choices=MentionSource.choices)
    source_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The audit event of the write that first named them: what notifies them, once.
    event_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "user"], name="mention_once_per_text"
            ),
            choices_check("source_kind", MentionSource),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.source_kind} {self.source_id}"


class Reaction(models.Model):
    """One person's emoji on a comment or a weekly update (one per person per emoji)."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions"
    )
    status_update = models.ForeignKey(
        StatusUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16, choices=[(k, v) for k, v in REACTIONS.items()])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(comment__isnull=True) ^ Q(status_update__isnull=True),
                name="reaction_on_one_thing",
            ),
            models.CheckConstraint(
                condition=Q(emoji__in=list(REACTIONS)), name="reaction_emoji_valid"
            ),
            models.UniqueConstraint(
                fields=["comment", "user", "emoji"],
                condition=Q(comment__isnull=False),
                name="reaction_once_per_comment",
            ),
            models.UniqueConstraint(
                fields=["status_update", "user", "emoji"],
                condition=Q(status_update__isnull=False),
                name="reaction_once_per_update",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id}"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECLINED = "declined", "Declined"  # the reviewer said no, with a reason: back to the DRI
    CLOSED = "closed", "Closed"  # the item was decided (signed off or waived)


class SignoffRequest(models.Model):
    """The DRI (or an EM) asks a person who may decide a sign-off item to decide it."""

    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="signoff_requests"
    )
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoff_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The audit event that closed it (the decision), for the notification of the requester.
    closed_by_event_id = models.BigIntegerField(null=True, blank=True)
    # When the EM was told it is overdue (once).
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "created_at", "pk"]
        constraints = [
            choices_check("status", RequestStatus),
            models.UniqueConstraint(
                fields=["item", "reviewer"],
                condition=Q(status="open"),
                name="signoff_request_one_open_per_reviewer",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"]),
            models.Index(fields=["initiative", "status"]),
        ]

    def __str__(self) -> str:
        return f"Sign-off of item {self.item_id} asked of {self.reviewer_id} ({self.status})"


class Follow(models.Model):
    """A person's explicit choice about an initiative: following (``True``) or not. Without a
    row, the DRI, members and stakeholders follow it and nobody else does."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    following = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "user"], name="follow_once_per_person")
        ]

    def __str__(self) -> str:
        return (
            f"{self.user_id} {'follows' if self.following else 'unfollowed'} {self.initiative_id}"
        )
