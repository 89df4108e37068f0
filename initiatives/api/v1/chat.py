"""Chat channels of a team (its EM only) and their delivery log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from initiatives.api.schema import errors
from initiatives.api.serializers.chat import (
    ChatChannelInputSerializer,
    ChatChannelSerializer,
    ChatChannelUpdateSerializer,
    ChatDeliverySerializer,
    channel_out,
    chat_delivery_out,
)
from initiatives.api.v1.base import ApiView
from initiatives.chat import services as chat
from initiatives.chat.models import ChatChannel, ChatDelivery
from initiatives.models import Team
from initiatives.rules.exceptions import NotFound
from initiatives.services.common import require_team_admin


class ChatMixin(ApiView):
    serializer_class: type[Serializer] = ChatChannelSerializer

    def get_team(self, key: str) -> Team:
        team = Team.objects.filter(key=key.upper(), memberships__user=self.caller).first()
        if team is None:
            raise NotFound(f"No team {key}.")
        require_team_admin(self.caller, team)
        return team

    def get_channel(self, pk: int) -> ChatChannel:
        channel = (
            ChatChannel.objects.select_related("team")
            .filter(pk=pk, team__memberships__user=self.caller)
            .first()
        )
        if channel is None or channel.team is None:
            raise NotFound(f"No chat channel {pk}.")
        require_team_admin(self.caller, channel.team)
        return channel


class TeamChatChannelsView(ChatMixin):
    @extend_schema(
        summary="Chat channels of a team (EM only)",
        responses={200: ChatChannelSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, key: str) -> Response:
        team = self.get_team(key)
        queryset = ChatChannel.objects.filter(team=team).select_related("team").order_by("pk")
        page = self.paginate_queryset(queryset) or []
        return self.get_paginated_response([channel_out(c) for c in page])

    @extend_schema(
        summary="Connect a Slack or Mattermost channel (EM only)",
        description="`webhook_url` is stored encrypted and never shown again.",
        request=ChatChannelInputSerializer,
        responses={201: ChatChannelSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, key: str) -> Response:
        team = self.get_team(key)
        data = self.validated(ChatChannelInputSerializer)
        channel = chat.chat_channel_create(team=team, actor=self.caller, **data)
        return Response(channel_out(channel), status=status.HTTP_201_CREATED)


class ChatChannelDetailView(ChatMixin):
    @extend_schema(
        summary="Read a chat channel (EM only)",
        responses={200: ChatChannelSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(channel_out(self.get_channel(pk)))

    @extend_schema(
        summary="Change a chat channel: name, messages, filter, enabled, webhook URL (EM only)",
        request=ChatChannelUpdateSerializer,
        responses={200: ChatChannelSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        channel = self.get_channel(pk)
        changes = self.validated(ChatChannelUpdateSerializer, partial=True)
        channel = chat.chat_channel_update(channel=channel, actor=self.caller, changes=changes)
        return Response(channel_out(channel))

    @extend_schema(
        summary="Remove a chat channel (EM only)",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        chat.chat_channel_delete(channel=self.get_channel(pk), actor=self.caller)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChatChannelDeliveriesView(ChatMixin):
    serializer_class = ChatDeliverySerializer

    @extend_schema(
        summary="The messages sent to a chat channel, newest first (EM only)",
        responses={200: ChatDeliverySerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        channel = self.get_channel(pk)
        page = self.paginate_queryset(
            ChatDelivery.objects.filter(channel=channel).order_by("-created_at", "-pk")
        )
        return self.get_paginated_response([chat_delivery_out(d) for d in page or []])


class ChatRedeliverView(ChatMixin):
    serializer_class = ChatDeliverySerializer

    @extend_schema(
        summary="Send a chat message again, as it was built (EM only)",
        request=None,
        responses={202: ChatDeliverySerializer, **errors(403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = (
            ChatDelivery.objects.select_related("channel__team")
            .filter(pk=pk, channel__team__memberships__user=self.caller)
            .first()
        )
        if delivery is None:
            raise NotFound(f"No chat delivery {pk}.")
        again = chat.chat_delivery_resend(delivery=delivery, actor=self.caller)
        return Response(chat_delivery_out(again), status=status.HTTP_202_ACCEPTED)
