"""Comments and their reactions, sign-off requests and following an initiative."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from initiatives.api.schema import IF_MATCH, errors
from initiatives.api.serializers.collab import (
    CommentCreateSerializer,
    CommentQuerySerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    DeclineSerializer,
    FollowSerializer,
    ReactionInputSerializer,
    ReactionsSerializer,
    SignoffRequestCreateSerializer,
    SignoffRequestSerializer,
    comment_out,
    reactions_out,
    request_out,
)
from initiatives.api.v1.base import ApiView, expected_version, with_etag
from initiatives.collab import selectors as read
from initiatives.collab import services as collab
from initiatives.collab.models import REACTIONS, Comment, SignoffRequest, TargetKind
from initiatives.models import ChecklistItem
from initiatives.rules.exceptions import NotFound, ValidationFailed


class CommentMixin(ApiView):
    queryset = Comment.objects.none()
    serializer_class: type[Serializer] = CommentSerializer

    def get_comment(self, pk: int) -> Comment:
        comment = read.visible_comment(self.caller, pk)
        if comment is None:
            raise NotFound(f"No comment {pk}.")
        return comment

    def respond(self, comment: Comment, status_code: int = status.HTTP_200_OK) -> Response:
        counts = read.reaction_counts(self.caller.pk, comment_ids=[comment.pk])
        body = comment_out(comment, counts.get(("comment", comment.pk), []))
        return with_etag(Response(body, status=status_code), comment)


class InitiativeCommentsView(CommentMixin):
    @extend_schema(
        summary="Comments of an initiative, oldest first",
        description="`target` (initiative, update, milestone, item) and `target_id` narrow "
        "the list to one thread.",
        parameters=[
            OpenApiParameter("target", enum=TargetKind.values, required=False),
            OpenApiParameter(
                "target_id",
                {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                required=False,
            ),
        ],
        responses={200: CommentSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        query = CommentQuerySerializer(
            data={k: v for k, v in request.query_params.items() if k in ("target", "target_id")}
        )
        query.is_valid(raise_exception=True)
        filters: dict[str, Any] = dict(query.validated_data)
        page = (
            self.paginate_queryset(
                read.comments_for_api(
                    initiative,
                    target_kind=filters.get("target"),
                    target_id=filters.get("target_id"),
                )
            )
            or []
        )
        counts = read.reaction_counts(self.caller.pk, comment_ids=[c.pk for c in page])
        for comment in page:
            comment.initiative = initiative  # one initiative: no query per row
        return self.get_paginated_response(
            [comment_out(c, counts.get(("comment", c.pk), [])) for c in page]
        )

    @extend_schema(
        summary="Comment on an initiative, one of its parts, or reply to a comment",
        description="Without `target` the comment is on the initiative; with `parent` it is a "
        "reply in that comment's thread. `@username` mentions members of the team.",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        data = self.validated(CommentCreateSerializer)
        parent = None
        if "parent" in data:
            parent = Comment.objects.filter(pk=data["parent"], initiative=initiative).first()
            if parent is None:
                raise ValidationFailed(
                    fields={"parent": ["No such comment on this initiative."]},
                    code="unknown_target",
                )
        comment = collab.comment_create(
            initiative=initiative,
            actor=self.caller,
            body=data["body"],
            target_kind=data.get("target", TargetKind.INITIATIVE),
            target_id=data.get("target_id"),
            parent=parent,
        )
        return self.respond(self.get_comment(comment.pk), status.HTTP_201_CREATED)


class CommentDetailView(CommentMixin):
    @extend_schema(summary="Read a comment", responses={200: CommentSerializer, **errors(404)})
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(self.get_comment(pk))

    @extend_schema(
        summary="Edit your comment",
        description="Only its author. An edit more than 15 minutes after posting shows as "
        "edited; people mentioned for the first time are notified once.",
        parameters=[IF_MATCH],
        request=CommentUpdateSerializer,
        responses={200: CommentSerializer, **errors(400, 403, 404, 409, 412)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        comment = self.get_comment(pk)
        data = self.validated(CommentUpdateSerializer)
        collab.comment_edit(
            comment=comment,
            actor=self.caller,
            body=data["body"],
            expected_version=expected_version(request),
        )
        return self.respond(self.get_comment(pk))

    @extend_schema(
        summary="Remove a comment (its author or an EM)",
        description="The text goes; a tombstone stays in the thread and the activity log "
        "keeps who removed it.",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        collab.comment_remove(comment=self.get_comment(pk), actor=self.caller)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentReactionsView(CommentMixin):
    serializer_class = ReactionsSerializer

    def change(self, request: Request, pk: int, on: bool) -> Response:
        comment = self.get_comment(pk)
        data: Any = request.data if request.data else request.query_params
        if isinstance(data, QueryDict):
            data = data.dict()
        emoji = self.validated(ReactionInputSerializer, data=data)["emoji"]
        changed = collab.reaction_set(actor=self.caller, emoji=emoji, on=on, comment=comment)
        counts = read.reaction_counts(self.caller.pk, comment_ids=[comment.pk])
        body = {"changed": changed, "reactions": reactions_out(counts.get(("comment", pk), []))}
        return Response(body, status=status.HTTP_201_CREATED if on and changed else 200)

    @extend_schema(
        summary="React to a comment",
        request=ReactionInputSerializer,
        responses={201: ReactionsSerializer, 200: ReactionsSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.change(request, pk, True)

    @extend_schema(
        summary="Take back your reaction",
        description="The emoji as `?emoji=`.",
        parameters=[OpenApiParameter("emoji", enum=list(REACTIONS), required=True)],
        request=None,
        responses={200: ReactionsSerializer, **errors(400, 403, 404)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        return self.change(request, pk, False)


class SignoffRequestCreateView(ApiView):
    queryset = SignoffRequest.objects.none()
    serializer_class = SignoffRequestSerializer

    @extend_schema(
        summary="Ask someone to decide a sign-off item (the DRI or an EM)",
        description="The reviewer must be someone who may decide the item: a security or "
        "legal member, a listed stakeholder or the EM, as the item asks, never a DRI of it.",
        request=SignoffRequestCreateSerializer,
        responses={201: SignoffRequestSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        item = self.get_visible(ChecklistItem.objects.all(), pk, "checklist item")
        data = self.validated(SignoffRequestCreateSerializer)
        created = collab.signoff_request_create(item=item, actor=self.caller, **data)
        found = read.visible_request(self.caller, created.pk)
        assert found is not None
        return Response(request_out(found), status=status.HTTP_201_CREATED)


class SignoffRequestDeclineView(ApiView):
    queryset = SignoffRequest.objects.none()
    serializer_class = SignoffRequestSerializer

    @extend_schema(
        summary="Decline a sign-off request asked of you, with a reason",
        request=DeclineSerializer,
        responses={200: SignoffRequestSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        found = read.visible_request(self.caller, pk)
        if found is None:
            raise NotFound(f"No request {pk}.")
        data = self.validated(DeclineSerializer)
        collab.signoff_request_decline(request=found, actor=self.caller, reason=data["reason"])
        found = read.visible_request(self.caller, pk)
        assert found is not None
        return Response(request_out(found))


class FollowView(ApiView):
    serializer_class = FollowSerializer

    def change(self, key: str, following: bool) -> Response:
        initiative = self.get_initiative(key)
        collab.follow_set(initiative=initiative, actor=self.caller, following=following)
        return Response({"initiative": initiative.key, "following": following})

    @extend_schema(
        summary="Follow an initiative",
        request=None,
        responses={200: FollowSerializer, **errors(404)},
    )
    def post(self, request: Request, key: str) -> Response:
        return self.change(key, True)

    @extend_schema(
        summary="Unfollow an initiative",
        responses={200: FollowSerializer, **errors(404)},
    )
    def delete(self, request: Request, key: str) -> Response:
        return self.change(key, False)
