"""Team policies (WIP limits, pairing) and blocked-by links."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives.api.schema import errors
from initiatives.api.serializers.policies import (
    DependenciesSerializer,
    DependencyInputSerializer,
    TeamPolicyInputSerializer,
    TeamPolicySerializer,
    link_out,
    policy_out,
)
from initiatives.api.v1.base import ApiView
from initiatives.models import Task, Team
from initiatives.policies import selectors as reads
from initiatives.policies import services
from initiatives.rules.exceptions import NotFound


class TeamPolicyView(ApiView):
    serializer_class = TeamPolicySerializer

    def member_team(self, key: str) -> Team:
        team = Team.objects.filter(key=key.upper(), memberships__user=self.caller).first()
        if team is None:
            raise NotFound(f"No team {key}.")
        return team

    def get_object(self) -> Team:
        return self.member_team(self.kwargs["key"])

    @extend_schema(
        summary="A team's policies (WIP limits, pairing, a linked key result)",
        responses={200: TeamPolicySerializer, **errors(404)},
    )
    def get(self, request: Request, key: str) -> Response:
        return Response(policy_out(reads.policy_for(self.member_team(key))))

    @extend_schema(
        summary="Change a team's policies (its EM)",
        description="Fields left out keep their value; `null` turns a WIP limit off. The "
        "policies are checked when an initiative starts delivery (`409 gate_blocked` with "
        "`gate: in_delivery` and `policies`); `key_result_required` when one leaves scoping or "
        "resumes past it (`gate: ready`, or `in_delivery` when it resumes into delivery).",
        request=TeamPolicyInputSerializer,
        responses={200: TeamPolicySerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, key: str) -> Response:
        team = self.member_team(key)
        data = self.validated(TeamPolicyInputSerializer)
        policy = services.team_policy_set(team=team, actor=self.caller, changes=data)
        return Response(policy_out(policy))


class DependenciesView(ApiView):
    serializer_class = DependenciesSerializer

    def respond(self, key: str, code: int = status.HTTP_200_OK) -> Response:
        initiative = self.get_initiative(key)
        found = reads.dependencies_of(initiative, self.caller)
        return Response(
            {
                "blocked_by": [link_out(link) for link in found.blocked_by],
                "blocking": [link_out(link) for link in found.blocking],
                "blocking_hidden": found.blocking_hidden,
            },
            status=code,
        )

    @extend_schema(
        summary="What an initiative is blocked by, and what it blocks",
        responses={200: DependenciesSerializer, **errors(404)},
    )
    def get(self, request: Request, key: str) -> Response:
        return self.respond(key)

    @extend_schema(
        summary="Mark an initiative (or one of its tasks) blocked by another initiative",
        description="The blocker may be in another team the caller belongs to (`404` for one "
        "they cannot see). `409`: `dependency_self`, `dependency_exists`, `dependency_cycle` "
        "(the blocker waits for this one), `dependency_closed` (the blocker is done or "
        "cancelled), `read_only`.",
        request=DependencyInputSerializer,
        responses={201: DependenciesSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        data = self.validated(DependencyInputSerializer)
        task = None
        if data.get("task"):
            task = Task.objects.filter(pk=data["task"], initiative=initiative).first()
            if task is None:
                raise NotFound(f"No task {data['task']} in {initiative.key}.")
        services.dependency_add(
            initiative=initiative, actor=self.caller, blocker_key=data["blocker"], task=task
        )
        return self.respond(key, status.HTTP_201_CREATED)


class DependencyDetailView(ApiView):
    serializer_class = DependenciesSerializer

    @extend_schema(
        summary="Remove a blocked-by link", responses={204: None, **errors(403, 404, 409)}
    )
    def delete(self, request: Request, key: str, pk: int) -> Response:
        initiative = self.get_initiative(key)
        services.dependency_remove(initiative=initiative, actor=self.caller, pk=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
