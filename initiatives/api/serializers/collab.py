"""Comments, reactions, sign-off requests and following: output functions, the serializers
describing those shapes (see ``serializers.common``), and the input serializers."""

from __future__ import annotations

from rest_framework import serializers

from initiatives.api.serializers.common import (
    JSON,
    UsernameField,
    UserRefSerializer,
    iso_date,
    iso_datetime,
    user_ref,
)
from initiatives.collab.models import REACTIONS, Comment, RequestStatus, SignoffRequest, TargetKind
from initiatives.collab.selectors import ReactionCount


def reactions_out(counts: list[ReactionCount]) -> list[JSON]:
    return [
        {"emoji": r.emoji, "symbol": r.symbol, "count": r.count, "mine": r.mine} for r in counts
    ]


def comment_out(comment: Comment, reactions: list[ReactionCount] | None = None) -> JSON:
    """A comment (its author and initiative's team loaded); a removed one has no body."""
    removed = comment.deleted_at is not None
    return {
        "id": comment.pk,
        "initiative": comment.initiative.key,
        "target": comment.target_kind,
        "target_id": comment.target_id,
        "parent": comment.parent_id,
        "author": user_ref(comment.author),
        "body": "" if removed else comment.body,
        "removed": removed,
        "edited": comment.edited_at is not None,
        "created_at": iso_datetime(comment.created_at),
        "edited_at": iso_datetime(comment.edited_at),
        "version": comment.version,
        "reactions": reactions_out(reactions or []),
    }


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=list(REACTIONS))
    symbol = serializers.CharField()
    count = serializers.IntegerField()
    mine = serializers.BooleanField(help_text="Whether the caller gave this one.")


class CommentSerializer(serializers.Serializer):
    """Shape of ``comment_out``."""

    id = serializers.IntegerField()
    initiative = serializers.CharField(help_text="The initiative's key.")
    target = serializers.ChoiceField(choices=TargetKind.choices)
    target_id = serializers.IntegerField(
        help_text="The id of the update, milestone or checklist item (the initiative's own "
        "id for `initiative`)."
    )
    parent = serializers.IntegerField(allow_null=True, help_text="The comment replied to.")  # type: ignore[assignment]  # a wire name that shadows a DRF attribute (the metaclass moves it)
    author = UserRefSerializer()
    body = serializers.CharField(help_text="Markdown; empty once removed.")
    removed = serializers.BooleanField()
    edited = serializers.BooleanField(help_text="Edited after the first 15 minutes.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    reactions = ReactionSerializer(many=True)


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20_000, help_text="Markdown; `@username` mentions.")
    target = serializers.ChoiceField(choices=TargetKind.choices, required=False)
    target_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    parent = serializers.IntegerField(  # type: ignore[assignment]  # a wire name that shadows a DRF attribute (the metaclass moves it)
        required=False, min_value=1, max_value=2**63 - 1, help_text="Reply to this comment."
    )


class CommentUpdateSerializer(serializers.Serializer):
    partial_on_patch = False  # the body is the whole edit

    body = serializers.CharField(max_length=20_000)


class CommentQuerySerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=TargetKind.choices, required=False)
    target_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class ReactionInputSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=list(REACTIONS))


class ReactionsSerializer(serializers.Serializer):
    """The reactions of a comment after a change."""

    changed = serializers.BooleanField(help_text="False when it was already so.")
    reactions = ReactionSerializer(many=True)


def request_out(request: SignoffRequest) -> JSON:
    """A sign-off request (item, initiative's team, reviewer and requester loaded)."""
    return {
        "id": request.pk,
        "initiative": request.initiative.key,
        "item": {"id": request.item_id, "text": request.item.text},
        "reviewer": user_ref(request.reviewer),
        "requested_by": user_ref(request.requested_by),
        "due_date": iso_date(request.due_date),
        "message": request.message,
        "status": request.status,
        "decline_reason": request.decline_reason,
        "created_at": iso_datetime(request.created_at),
        "closed_at": iso_datetime(request.closed_at),
    }


class RequestItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class SignoffRequestSerializer(serializers.Serializer):
    """Shape of ``request_out``."""

    id = serializers.IntegerField()
    initiative = serializers.CharField()
    item = RequestItemSerializer()
    reviewer = UserRefSerializer()
    requested_by = UserRefSerializer()
    due_date = serializers.DateField(allow_null=True)
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    decline_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class SignoffRequestCreateSerializer(serializers.Serializer):
    reviewer = UsernameField(help_text="Username of a person who may decide the item.")
    due_date = serializers.DateField(required=False, allow_null=True)
    message = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=20_000)


class FollowSerializer(serializers.Serializer):
    initiative = serializers.CharField()
    following = serializers.BooleanField()
