"""Teams, initiatives (list, create, read, edit, transition) and their checklists."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives import services
from initiatives.api.filters import InitiativeFilter
from initiatives.api.schema import IF_MATCH, errors
from initiatives.api.serializers.initiatives import (
    ChecklistItemChangeSerializer,
    ChecklistItemSerializer,
    ChecklistsSerializer,
    InitiativeCreateSerializer,
    InitiativeDetailSerializer,
    InitiativeSerializer,
    InitiativeUpdateSerializer,
    TeamSerializer,
    TransitionSerializer,
    checklist_item_out,
    checklists_out,
    initiative_detail_out,
    initiative_row,
    team_out,
)
from initiatives.api.v1.base import ApiView, cached_read, expected_version, with_etag
from initiatives.goals.selectors import key_result_ids_of
from initiatives.goals.services import initiative_key_results_set
from initiatives.models import ChecklistItem, Initiative, Team
from initiatives.policies.services import initiative_rerank
from initiatives.rules.exceptions import NotFound
from initiatives.selectors.checklists import facts_for
from initiatives.selectors.initiatives import initiative_detail, list_initiatives


class TeamListView(ApiView):
    queryset = Team.objects.none()
    serializer_class = TeamSerializer

    def get_queryset(self) -> Any:
        if self.schema_only():
            return Team.objects.none()
        return (
            Team.objects.filter(memberships__user=self.caller)
            .annotate(caller_role=F("memberships__role"))
            .order_by("key")
        )

    @extend_schema(
        summary="Teams the caller belongs to", responses={200: TeamSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response([team_out(t, role=t.caller_role) for t in page])


class TeamDetailView(TeamListView):
    @extend_schema(
        summary="One of the caller's teams", responses={200: TeamSerializer, **errors(404)}
    )
    def get(self, request: Request, key: str) -> Response:  # type: ignore[override]
        team = self.get_queryset().filter(key=key.upper()).first()
        if team is None:
            raise NotFound(f"No team {key}.")
        return Response(team_out(team, role=team.caller_role))


def detail_response(view: ApiView, key: str, status_code: int = status.HTTP_200_OK) -> Response:
    """The initiative as its detail endpoint shows it, with its ETag."""
    try:
        initiative = initiative_detail(view.visible_initiatives(), key)
    except Initiative.DoesNotExist:
        raise NotFound(f"No initiative {key}.") from None
    body = initiative_detail_out(initiative)
    body["key_results"] = key_result_ids_of(initiative.initiative)  # 1 query
    response = Response(body, status=status_code)
    return with_etag(response, initiative.initiative)


class InitiativeListView(ApiView):
    serializer_class = InitiativeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InitiativeFilter

    def get_queryset(self) -> Any:
        if self.schema_only():
            return Initiative.objects.none()
        return self.visible_initiatives().order_by("team__key", "number")

    @extend_schema(
        summary="List initiatives of the caller's teams",
        responses={200: InitiativeSerializer(many=True), **errors(400, 404)},
    )
    @cached_read
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        # The page's slice goes to the selector: a fixed number of queries for any page size.
        page = self.page_number().paginate_queryset(queryset, request, self, load=list_initiatives)
        return self.get_paginated_response([initiative_row(row) for row in page or []])

    @extend_schema(
        summary="Create an initiative",
        request=InitiativeCreateSerializer,
        responses={201: InitiativeDetailSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = self.validated(InitiativeCreateSerializer)
        team = Team.objects.filter(key=data.pop("team").upper(), memberships__user=self.caller)
        if not team.exists():
            raise NotFound("No such team among yours.")
        initiative = services.initiative_create(team=team.get(), actor=self.caller, **data)
        response = detail_response(self, initiative.key, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/initiatives/{initiative.key}/")
        return response


class InitiativeDetailView(ApiView):
    serializer_class = InitiativeDetailSerializer

    @extend_schema(
        summary="Read an initiative", responses={200: InitiativeDetailSerializer, **errors(404)}
    )
    @cached_read
    def get(self, request: Request, key: str) -> Response:
        return detail_response(self, key)

    @extend_schema(
        summary="Edit an initiative",
        parameters=[IF_MATCH],
        request=InitiativeUpdateSerializer,
        responses={200: InitiativeDetailSerializer, **errors(400, 403, 404, 409, 412)},
    )
    def patch(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        changes = self.validated(InitiativeUpdateSerializer, partial=True)
        reason = changes.pop("reason", "")
        backfill = changes.pop("backfill", False)
        key_results = changes.pop("key_results", None)
        if key_results is not None:
            initiative_key_results_set(
                initiative=initiative, actor=self.caller, key_results=key_results
            )
        rank = changes.pop("rank", None)
        if rank is not None:
            initiative_rerank(initiative=initiative, actor=self.caller, rank=rank)
            if not changes:
                return detail_response(self, key)
            initiative.refresh_from_db()
        services.initiative_update(
            initiative=initiative,
            actor=self.caller,
            changes=changes,
            expected_version=expected_version(request),
            reason=reason,
            backfill=backfill,
        )
        return detail_response(self, key)


class InitiativeTransitionView(ApiView):
    serializer_class = TransitionSerializer

    @extend_schema(
        summary="Move an initiative through its life cycle",
        description="`409 gate_blocked` lists the missing checklist items; an EM passes a "
        'blocked gate only with `"override": true` and a reason (anyone else: `403`).',
        parameters=[IF_MATCH],
        request=TransitionSerializer,
        responses={200: InitiativeDetailSerializer, **errors(400, 403, 404, 409, 412, gate=True)},
    )
    def post(self, request: Request, key: str) -> Response:
        data = self.validated(TransitionSerializer)
        # By key: the service reads the initiative once, locked, with the caller's role (404
        # outside the caller's teams).
        services.initiative_transition(
            initiative=key,
            actor=self.caller,
            expected_version=expected_version(request),
            **data,
        )
        return detail_response(self, key)


class ChecklistsView(ApiView):
    serializer_class = ChecklistsSerializer

    @extend_schema(
        summary="The initiative's Definition of Ready and Done",
        responses={200: ChecklistsSerializer, **errors(404)},
    )
    @cached_read
    def get(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        items = list(
            ChecklistItem.objects.filter(initiative=initiative).select_related("decided_by")
        )
        return Response(checklists_out(initiative.key, items, facts_for(initiative)))


class ChecklistItemView(ApiView):
    queryset = ChecklistItem.objects.none()
    serializer_class = ChecklistItemSerializer

    def respond(self, item: ChecklistItem) -> Response:
        initiative = item.initiative
        body = checklist_item_out(item, initiative_key=initiative.key, facts=facts_for(initiative))
        return with_etag(Response(body), item)

    @extend_schema(
        summary="Read a checklist item", responses={200: ChecklistItemSerializer, **errors(404)}
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(self.get_visible(ChecklistItem.objects.all(), pk, "checklist item"))

    @extend_schema(
        summary="Tick, sign off, waive or reopen a checklist item",
        description='`{"status": "done", "evidence": "...", "note": "..."}` ticks (or signs '
        'off), `{"status": "waived", "reason": "..."}` waives, `{"status": "open"}` reopens.',
        parameters=[IF_MATCH],
        request=ChecklistItemChangeSerializer,
        responses={200: ChecklistItemSerializer, **errors(400, 403, 404, 409, 412)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        item = self.get_visible(ChecklistItem.objects.all(), pk, "checklist item")
        data = self.validated(ChecklistItemChangeSerializer)
        common = {
            "item": item,
            "actor": self.caller,
            "expected_version": expected_version(request),
        }
        if data["status"] == "done":
            item = services.checklist_item_tick(
                **common, evidence=data["evidence"], note=data["note"]
            )
        elif data["status"] == "waived":
            item = services.checklist_item_waive(**common, reason=data["reason"])
        else:
            item = services.checklist_item_reopen(**common, note=data["note"])
        return self.respond(item)


__all__ = [
    "ChecklistItemView",
    "ChecklistsView",
    "InitiativeDetailView",
    "InitiativeListView",
    "InitiativeTransitionView",
    "TeamDetailView",
    "TeamListView",
]
