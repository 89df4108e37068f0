"""Goals and key results: a team's goals, a goal, its key results, a key result and its
check-ins. Goals shared with a team are listed and readable by its members (who link their own
initiatives to its key results); only the goal's own team writes them (403 for the members of a
team it is shared with, 404 for everyone else)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives.api.schema import IF_MATCH, errors
from initiatives.api.serializers.goals import (
    CheckInCreateSerializer,
    CheckInSerializer,
    GoalCreateSerializer,
    GoalSerializer,
    GoalUpdateSerializer,
    KeyResultCreateSerializer,
    KeyResultSerializer,
    KeyResultUpdateSerializer,
    check_in_out,
    goal_out,
    key_result_out,
)
from initiatives.api.v1.base import ApiView, expected_version, with_etag
from initiatives.goals import selectors as reads
from initiatives.goals import services as goals
from initiatives.goals.models import CheckIn, Goal, KeyResult
from initiatives.models import Team
from initiatives.rules.exceptions import ValidationFailed


def teams_named(keys: list[str]) -> list[Team]:
    """The teams ``keys`` name; ``unknown_team`` (400) for a key that names none."""
    wanted = {k.strip().upper() for k in keys}
    found = list(Team.objects.filter(key__in=wanted))
    unknown = sorted(wanted - {t.key for t in found})
    if unknown:
        message = f"No team {unknown[0]}."
        raise ValidationFailed(message, fields={"shared_with": [message]}, code="unknown_team")
    return found


class GoalsView(ApiView):
    queryset = Goal.objects.none()
    serializer_class: Any = GoalSerializer

    def goal(self, pk: int) -> Goal:
        return reads.goal_for(self.caller, pk)

    def goal_response(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        goal = reads.goal_for(self.caller, pk)
        return with_etag(Response(goal_out(goal), status=status_code), goal)

    def kr_response(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        kr = reads.key_result_for(self.caller, pk)
        row = reads.kr_row(kr, kr.goal, reads.today_of(kr.goal.team))
        body = key_result_out(row, reads.initiative_ids([kr.pk]).get(kr.pk, []))
        return with_etag(Response(body, status=status_code), kr)


class TeamGoalsView(GoalsView):
    @extend_schema(
        summary="A team's goals, and goals other teams share with it",
        responses={200: GoalSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, key: str) -> Response:
        team = reads.member_team(self.caller, key)
        page = self.paginate_queryset(reads.goals_list(team)) or []
        return self.get_paginated_response([goal_out(g) for g in page])

    @extend_schema(
        summary="Set a goal for the team (its contributors)",
        description="`ends_on` defaults to the end of the period (a quarter or a half) from "
        "`starts_on`; a goal shared with other teams is visible to their members, who may "
        "link their initiatives to its key results. `unknown_team` names a shared team that "
        "does not exist; `invalid_period` an end not after the start.",
        request=GoalCreateSerializer,
        responses={201: GoalSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, key: str) -> Response:
        team = reads.member_team(self.caller, key)
        data = self.validated(GoalCreateSerializer)
        data["shared_with"] = teams_named(data.get("shared_with", []))
        goal = goals.goal_create(team=team, actor=self.caller, **data)
        return self.goal_response(goal.pk, status.HTTP_201_CREATED)


class GoalDetailView(GoalsView):
    @extend_schema(summary="Read a goal", responses={200: GoalSerializer, **errors(404)})
    def get(self, request: Request, pk: int) -> Response:
        return self.goal_response(pk)

    @extend_schema(
        summary="Edit a goal (its team's contributors)",
        parameters=[IF_MATCH],
        request=GoalUpdateSerializer,
        responses={200: GoalSerializer, **errors(400, 403, 404, 412)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        goal = self.goal(pk)
        changes = self.validated(GoalUpdateSerializer, partial=True)
        if "shared_with" in changes:
            changes["shared_with"] = teams_named(changes["shared_with"])
        goals.goal_update(
            goal=goal, actor=self.caller, changes=changes,
            expected_version=expected_version(request),
        )  # fmt: skip
        return self.goal_response(pk)


class GoalKeyResultsView(GoalsView):
    serializer_class = KeyResultSerializer

    @extend_schema(
        summary="A goal's key results, with their latest check-in and standing",
        responses={200: KeyResultSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        goal = self.goal(pk)
        rows = reads.with_latest(
            KeyResult.objects.filter(goal=goal).select_related("owner").order_by("pk")
        )
        page = self.paginate_queryset(rows) or []
        keys = reads.initiative_ids([kr.pk for kr in page])
        today = reads.today_of(goal.team)
        return self.get_paginated_response(
            [key_result_out(reads.kr_row(kr, goal, today), keys.get(kr.pk, [])) for kr in page]
        )

    @extend_schema(
        summary="Add a key result to a goal (its team's contributors)",
        description="A `result` increases or decreases from `baseline` to `target`; a "
        "`monitor` stays within a band (`direction: band`, `band_low` and `band_high`) or at or "
        "past a threshold `target`. A measure that does not add up is `invalid_measure`.",
        request=KeyResultCreateSerializer,
        responses={201: KeyResultSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        goal = self.goal(pk)
        data = self.validated(KeyResultCreateSerializer)
        kr = goals.key_result_create(goal=goal, actor=self.caller, **data)
        return self.kr_response(kr.pk, status.HTTP_201_CREATED)


class KeyResultDetailView(GoalsView):
    serializer_class = KeyResultSerializer

    @extend_schema(summary="Read a key result", responses={200: KeyResultSerializer, **errors(404)})
    def get(self, request: Request, pk: int) -> Response:
        return self.kr_response(pk)

    @extend_schema(
        summary="Edit a key result (its goal's team's contributors)",
        parameters=[IF_MATCH],
        request=KeyResultUpdateSerializer,
        responses={200: KeyResultSerializer, **errors(400, 403, 404, 412)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        kr = reads.key_result_for(self.caller, pk)
        changes = self.validated(KeyResultUpdateSerializer, partial=True)
        goals.key_result_update(
            key_result=kr, actor=self.caller, changes=changes,
            expected_version=expected_version(request),
        )  # fmt: skip
        return self.kr_response(pk)


class CheckInsView(GoalsView):
    serializer_class = CheckInSerializer

    @extend_schema(
        summary="A key result's check-ins, newest week first",
        responses={200: CheckInSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        kr = reads.key_result_for(self.caller, pk)
        rows = CheckIn.objects.filter(key_result=kr).select_related("author").order_by("-week")
        page = self.paginate_queryset(rows) or []
        return self.get_paginated_response([check_in_out(c) for c in page])

    @extend_schema(
        summary="Check in a key result for this week (its owner or an EM)",
        description="One check-in per key result and ISO week (the team's): posting again in "
        "the same week revises it and keeps the earlier version in `revisions`. A goal that "
        "is achieved, missed or dropped takes no check-ins (`409 goal_closed`).",
        request=CheckInCreateSerializer,
        responses={201: CheckInSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        kr = reads.key_result_for(self.caller, pk)
        data = self.validated(CheckInCreateSerializer)
        entry = goals.check_in(key_result=kr, actor=self.caller, **data)
        entry = CheckIn.objects.select_related("author").get(pk=entry.pk)
        return Response(check_in_out(entry), status=status.HTTP_201_CREATED)
