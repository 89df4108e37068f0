"""Webhook endpoints of a team (its EM only) and their delivery log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from initiatives.api.schema import errors
from initiatives.api.serializers.webhooks import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
    delivery_out,
    endpoint_out,
)
from initiatives.api.v1.base import ApiView
from initiatives.models import Team
from initiatives.rules.exceptions import NotFound
from initiatives.webhooks import services as webhooks
from initiatives.webhooks.models import WebhookDelivery, WebhookEndpoint


class WebhookMixin(ApiView):
    serializer_class: type[Serializer] = WebhookEndpointSerializer

    def get_team(self, key: str) -> Team:
        team = Team.objects.filter(key=key.upper(), memberships__user=self.caller).first()
        if team is None:
            raise NotFound(f"No team {key}.")
        return team

    def get_endpoint(self, pk: int) -> WebhookEndpoint:
        endpoint = (
            WebhookEndpoint.objects.select_related("team")
            .filter(pk=pk, team__memberships__user=self.caller)
            .first()
        )
        if endpoint is None:
            raise NotFound(f"No webhook {pk}.")
        webhooks.require_webhook_admin(self.caller, endpoint.team)
        return endpoint


class TeamWebhooksView(WebhookMixin):
    @extend_schema(
        summary="Webhook endpoints of a team (EM only)",
        responses={200: WebhookEndpointSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, key: str) -> Response:
        team = self.get_team(key)
        webhooks.require_webhook_admin(self.caller, team)
        queryset = WebhookEndpoint.objects.filter(team=team).select_related("team").order_by("pk")
        page = self.paginate_queryset(queryset) or []
        return self.get_paginated_response([endpoint_out(e) for e in page])

    @extend_schema(
        summary="Register a webhook endpoint (EM only)",
        description="The answer carries the signing `secret`, shown only this once.",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, key: str) -> Response:
        team = self.get_team(key)
        data = self.validated(WebhookEndpointInputSerializer)
        endpoint = webhooks.webhook_endpoint_create(team=team, actor=self.caller, **data)
        body = endpoint_out(endpoint, with_secret=True)
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetailView(WebhookMixin):
    @extend_schema(
        summary="Read a webhook endpoint (EM only)",
        responses={200: WebhookEndpointSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(endpoint_out(self.get_endpoint(pk)))

    @extend_schema(
        summary="Change a webhook endpoint: URL, events, secret, active (EM only)",
        request=WebhookEndpointInputSerializer(partial=True),
        responses={200: WebhookEndpointSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = self.get_endpoint(pk)
        changes = self.validated(WebhookEndpointInputSerializer, partial=True)
        endpoint = webhooks.webhook_endpoint_update(
            endpoint=endpoint, actor=self.caller, changes=changes
        )
        return Response(endpoint_out(endpoint))


class WebhookDeliveriesView(WebhookMixin):
    serializer_class = WebhookDeliverySerializer

    @extend_schema(
        summary="The delivery log of a webhook endpoint, newest first (EM only)",
        responses={200: WebhookDeliverySerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        endpoint = self.get_endpoint(pk)
        page = self.paginate_queryset(
            WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")
        )
        return self.get_paginated_response([delivery_out(d) for d in page or []])


class WebhookRedeliverView(WebhookMixin):
    serializer_class = WebhookDeliverySerializer

    @extend_schema(
        summary="Send a delivery's event again (EM only)",
        request=None,
        responses={202: WebhookDeliverySerializer, **errors(403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = (
            WebhookDelivery.objects.select_related("endpoint__team")
            .filter(pk=pk, endpoint__team__memberships__user=self.caller)
            .first()
        )
        if delivery is None:
            raise NotFound(f"No delivery {pk}.")
        again = webhooks.webhook_redeliver(delivery=delivery, actor=self.caller)
        return Response(delivery_out(again), status=status.HTTP_202_ACCEPTED)
