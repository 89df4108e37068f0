"""The caller's notifications and notification preferences."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives.api.schema import errors
from initiatives.api.serializers.notifications import (
    MarkedSerializer,
    MarkReadSerializer,
    NotificationQuerySerializer,
    NotificationSerializer,
    PreferencesSerializer,
    notification_out,
)
from initiatives.api.v1.base import ApiView
from initiatives.notifications import selectors as read
from initiatives.notifications import services
from initiatives.notifications.models import Kind, Notification


class NotificationListView(ApiView):
    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer

    @extend_schema(
        summary="Your notifications, newest first",
        parameters=[
            OpenApiParameter(
                "unread",
                enum=["true", "false", "1", "0"],
                required=False,
                description="Only unread ones.",
            ),
            OpenApiParameter("kind", enum=Kind.values, required=False),
        ],
        responses={200: NotificationSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = NotificationQuerySerializer(
            data={k: v for k, v in request.query_params.items() if k in ("unread", "kind")}
        )
        query.is_valid(raise_exception=True)
        kind = query.validated_data.get("kind")
        queryset = read.notifications_of(
            self.caller,
            unread=bool(query.validated_data.get("unread")),
            kinds=(kind,) if kind else (),
        )
        page = self.paginate_queryset(queryset) or []
        return self.get_paginated_response([notification_out(n) for n in page])


class NotificationReadView(ApiView):
    serializer_class = MarkedSerializer

    @extend_schema(
        summary="Mark notifications read",
        description='`{"ids": [...]}` marks those of yours (other ids are ignored); '
        '`{"all": true}` marks every one; neither marks none.',
        request=MarkReadSerializer,
        responses={200: MarkedSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        data = self.validated(MarkReadSerializer)
        marked = services.notifications_mark_read(
            actor=self.caller, ids=data.get("ids", []), everything=bool(data.get("all"))
        )
        return Response({"marked": marked, "unread": read.unread_count(self.caller)})


class PreferencesView(ApiView):
    serializer_class = PreferencesSerializer

    @extend_schema(
        summary="Your notification preferences",
        description="For each kind: `both` (inbox and email), `in_app`, `email` or `off` "
        "(nothing is created or sent). Email is batched: at most one email every "
        "NOTIFICATION_EMAIL_MINUTES (15).",
        responses={200: PreferencesSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response(read.preferences_of(self.caller))

    @extend_schema(
        summary="Change some of your notification preferences",
        request=PreferencesSerializer(partial=True),
        responses={200: PreferencesSerializer, **errors(400)},
    )
    def patch(self, request: Request) -> Response:
        changes = self.validated(PreferencesSerializer, partial=True)
        return Response(services.preferences_set(actor=self.caller, changes=changes))
