"""Milestones, tasks, weekly status updates and the activity log of an initiative."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives import services
from initiatives.api.filters import ActivityFilter, TaskFilter, UpdateFilter
from initiatives.api.pagination import ActivityCursor
from initiatives.api.schema import IF_MATCH, errors
from initiatives.api.serializers.common import JSON
from initiatives.api.serializers.work import (
    ActivitySerializer,
    MilestoneCreateSerializer,
    MilestoneSerializer,
    MilestoneTransitionSerializer,
    MilestoneUpdateSerializer,
    StatusUpdateCreateSerializer,
    StatusUpdateSerializer,
    TaskCreateSerializer,
    TaskSerializer,
    TaskUpdateSerializer,
    activity_out,
    milestone_out,
    status_update_out,
    task_out,
)
from initiatives.api.v1.base import ApiView, cached_read, expected_version, with_etag
from initiatives.models import (
    CLOSED_TASK_STATES,
    ActivityEvent,
    Milestone,
    StatusUpdate,
    Task,
)


def milestones_with_counts() -> QuerySet[Milestone]:
    """Milestones with their task counts annotated and their slips prefetched."""
    return Milestone.objects.annotate(
        tasks_total=Count("tasks"),
        tasks_closed=Count("tasks", filter=Q(tasks__state__in=CLOSED_TASK_STATES)),
    ).prefetch_related("slips")


def milestone_body(milestone: Any, initiative_key: str) -> JSON:
    """A row of ``milestones_with_counts`` as the API shows it."""
    return milestone_out(
        milestone,
        initiative_key=initiative_key,
        tasks_total=milestone.tasks_total,
        tasks_closed=milestone.tasks_closed,
        slips=list(milestone.slips.all()),
    )


# --- Milestones --------------------------------------------------------------------------------


class MilestoneMixin(ApiView):
    queryset = Milestone.objects.none()
    serializer_class = MilestoneSerializer

    def respond(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        milestone = milestones_with_counts().select_related("initiative__team").get(pk=pk)
        body = milestone_body(milestone, milestone.initiative.key)
        return with_etag(Response(body, status=status_code), milestone)


class MilestoneListView(MilestoneMixin):
    @extend_schema(
        summary="Milestones of an initiative",
        responses={200: MilestoneSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        queryset = (
            milestones_with_counts()
            .filter(initiative=initiative)
            .order_by("due_date", "position", "pk")
        )
        page = self.paginate_queryset(queryset) or []
        return self.get_paginated_response([milestone_body(m, initiative.key) for m in page])

    @extend_schema(
        summary="Plan a milestone",
        request=MilestoneCreateSerializer,
        responses={201: MilestoneSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        data = self.validated(MilestoneCreateSerializer)
        milestone = services.milestone_create(initiative=initiative, actor=self.caller, **data)
        return self.respond(milestone.pk, status.HTTP_201_CREATED)


class MilestoneDetailView(MilestoneMixin):
    @extend_schema(summary="Read a milestone", responses={200: MilestoneSerializer, **errors(404)})
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(self.get_visible(Milestone.objects.all(), pk, "milestone").pk)

    @extend_schema(
        summary="Edit or reschedule a milestone",
        description="Every new `due_date` is recorded; once the milestone has started it "
        "needs a `slip_reason` and counts as a slip (later) or a pull-in (earlier). A date in "
        "the past is refused (`date_in_past`) unless an EM sends `backfill: true`.",
        parameters=[IF_MATCH],
        request=MilestoneUpdateSerializer,
        responses={200: MilestoneSerializer, **errors(400, 403, 404, 409, 412)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        milestone = self.get_visible(Milestone.objects.all(), pk, "milestone")
        changes = self.validated(MilestoneUpdateSerializer, partial=True)
        slip_reason = changes.pop("slip_reason", "")
        backfill = changes.pop("backfill", False)
        services.milestone_update(
            milestone=milestone,
            actor=self.caller,
            changes=changes,
            slip_reason=slip_reason,
            backfill=backfill,
            expected_version=expected_version(request),
        )
        return self.respond(pk)


class MilestoneTransitionView(MilestoneMixin):
    @extend_schema(
        summary="Start, complete, cancel, reopen or restore a milestone",
        request=MilestoneTransitionSerializer,
        responses={200: MilestoneSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        milestone = self.get_visible(Milestone.objects.all(), pk, "milestone")
        data = self.validated(MilestoneTransitionSerializer)
        services.milestone_transition(milestone=milestone, actor=self.caller, to=data["to"])
        return self.respond(pk)


# --- Tasks -------------------------------------------------------------------------------------


class TaskMixin(ApiView):
    queryset = Task.objects.none()
    serializer_class = TaskSerializer

    def respond(
        self, task: Task, initiative_key: str, status_code: int = status.HTTP_200_OK
    ) -> Response:
        """``task`` as the service returned it (no second read); its assignee must be loaded."""
        body = task_out(task, initiative_key=initiative_key)
        return with_etag(Response(body, status=status_code), task)


class TaskListView(TaskMixin):
    queryset = Task.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilter

    @extend_schema(
        summary="Tasks of an initiative",
        responses={200: TaskSerializer(many=True), **errors(400, 404)},
    )
    @cached_read
    def get(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        queryset = self.filter_queryset(
            Task.objects.filter(initiative=initiative)
            .select_related("assignee")
            .order_by("created_at", "pk")
        )
        page = self.paginate_queryset(queryset) or []
        key = initiative.key
        return self.get_paginated_response([task_out(t, initiative_key=key) for t in page])

    @extend_schema(
        summary="Add a task",
        description="Tasks inside a milestone need an initiative that is ready or later.",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        data = self.validated(TaskCreateSerializer)
        task = services.task_create(initiative=initiative, actor=self.caller, **data)
        if not Task.assignee.is_cached(task):
            task.assignee = data["assignee"]
        return self.respond(task, initiative.key, status.HTTP_201_CREATED)


class TaskDetailView(TaskMixin):
    @extend_schema(summary="Read a task", responses={200: TaskSerializer, **errors(404)})
    def get(self, request: Request, pk: int) -> Response:
        task = self.get_visible(Task.objects.select_related("assignee"), pk, "task")
        return self.respond(task, task.initiative.key)

    @extend_schema(
        summary="Edit, assign or move a task",
        parameters=[IF_MATCH],
        request=TaskUpdateSerializer,
        responses={200: TaskSerializer, **errors(400, 403, 404, 409, 412)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        # No read here: the service reads the initiative (with the caller's role: 404 for a
        # task outside the caller's teams) and the task once each, locked.
        changes = self.validated(TaskUpdateSerializer, partial=True)
        updated = services.task_update(
            task=pk,
            actor=self.caller,
            changes=changes,
            expected_version=expected_version(request),
        )
        return self.respond(updated, updated.initiative.key)


# --- Weekly updates ----------------------------------------------------------------------------


class InitiativeUpdatesView(ApiView):
    queryset = StatusUpdate.objects.none()
    serializer_class = StatusUpdateSerializer

    @extend_schema(
        summary="Weekly status updates of an initiative, newest first",
        responses={200: StatusUpdateSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        queryset = StatusUpdate.objects.filter(initiative=initiative).select_related("author")
        page = self.paginate_queryset(queryset.order_by("-week")) or []
        key = initiative.key
        return self.get_paginated_response([status_update_out(u, initiative_key=key) for u in page])

    @extend_schema(
        summary="Post (or revise) this week's update",
        description="Posting again in the same week revises the update (`200`); the earlier "
        "text is kept.",
        request=StatusUpdateCreateSerializer,
        responses={
            201: StatusUpdateSerializer,
            200: OpenApiResponse(StatusUpdateSerializer, description="Revised."),
            **errors(400, 403, 404, 409),
        },
    )
    def post(self, request: Request, key: str) -> Response:
        data = self.validated(StatusUpdateCreateSerializer)
        # By key: the service reads the initiative once, locked, with the caller's role (404
        # outside the caller's teams).
        update = services.status_update_post(initiative=key, actor=self.caller, **data)
        # Serialized as the service returned it (its author is the caller): no second read.
        code = status.HTTP_201_CREATED if update.revision == 1 else status.HTTP_200_OK
        return Response(
            status_update_out(update, initiative_key=update.initiative.key), status=code
        )


class UpdateListView(ApiView):
    queryset = StatusUpdate.objects.none()
    serializer_class = StatusUpdateSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = UpdateFilter

    def get_queryset(self) -> Any:
        if self.schema_only():
            return StatusUpdate.objects.none()
        return (
            StatusUpdate.objects.filter(initiative__team__memberships__user=self.caller)
            .select_related("author", "initiative__team")
            .order_by("-week", "initiative__team__key", "initiative__number")
        )

    @extend_schema(
        summary="Weekly status updates of the caller's teams (`?team=PLAT&week=2026-W47`)",
        responses={200: StatusUpdateSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(
            [status_update_out(u, initiative_key=u.initiative.key) for u in page]
        )


# --- Activity ----------------------------------------------------------------------------------


class ActivityView(ApiView):
    queryset = ActivityEvent.objects.none()
    serializer_class = ActivitySerializer
    pagination_class = ActivityCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActivityFilter

    @extend_schema(
        summary="The initiative's audit log, newest first (cursor-paginated)",
        responses={200: ActivitySerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        queryset = self.filter_queryset(
            ActivityEvent.objects.filter(initiative=initiative).select_related("actor")
        )
        page = self.paginate_queryset(queryset) or []
        return self.get_paginated_response([activity_out(event) for event in page])
