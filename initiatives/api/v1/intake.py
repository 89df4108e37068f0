"""Intake: a team's requests, a request and its triage, the rotation, who is on call, and the
alert intake (authenticated by the team's intake token, not a personal one)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import authentication, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from initiatives.api.params import LenientJSONParser
from initiatives.api.schema import IF_MATCH, errors
from initiatives.api.serializers.common import ErrorSerializer
from initiatives.api.serializers.intake import (
    AlertsAcceptedSerializer,
    GenericAlertSerializer,
    OnCallSerializer,
    RequestCreateSerializer,
    RequestSerializer,
    RequestUpdateSerializer,
    RotationInputSerializer,
    RotationSerializer,
    TriageSerializer,
    on_call_out,
    request_out,
    rotation_out,
)
from initiatives.api.v1.base import ApiView, expected_version, with_etag
from initiatives.api.validation import NOT_BLANK, url_pattern
from initiatives.intake import alerts, rules
from initiatives.intake import rotation as rotation_services
from initiatives.intake import selectors as reads
from initiatives.intake import services as intake
from initiatives.intake.models import Category, IntakeRequest, RequestState
from initiatives.models import Initiative, Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import NotFound, ValidationFailed


class IntakeView(ApiView):
    queryset = IntakeRequest.objects.none()
    serializer_class: type[Serializer] = RequestSerializer

    def askable(self, key: str) -> tuple[Team, str | None]:
        return reads.askable_team(self.caller, key)

    def member_team(self, key: str) -> Team:
        team, role = self.askable(key)
        if role is None:
            raise NotFound(f"No team {key}.")
        return team

    def get_request(self, pk: int) -> IntakeRequest:
        found = reads.request_for(self.caller, pk)
        perms.ROLES.of(self.caller)[found.team_id] = found.caller_role  # type: ignore[attr-defined]
        return found


STATE = OpenApiParameter("state", str, enum=RequestState.values, required=False)
CATEGORY = OpenApiParameter("category", str, enum=Category.values, required=False)


class TeamRequestsView(IntakeView):
    @extend_schema(
        summary="Requests to a team, newest first",
        description="The team's members see all of them; anyone else who may ask the team "
        "sees their own.",
        parameters=[STATE, CATEGORY],
        responses={200: RequestSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, key: str) -> Response:
        team, role = self.askable(key)
        state = request.query_params.get("state", "")
        category = request.query_params.get("category", "")
        bad = {
            name: [f"Choose one of: {', '.join(choices)}."]
            for name, value, choices in (
                ("state", state, RequestState.values),
                ("category", category, Category.values),
            )
            if value and value not in choices
        }
        if bad:
            raise ValidationFailed(fields=bad)
        rows: QuerySet[IntakeRequest] = reads.team_requests(team, state=state, category=category)
        if role is None:
            rows = rows.filter(requester=self.caller)
        page = self.paginate_queryset(rows) or []
        return self.get_paginated_response([request_out(r) for r in page])

    @extend_schema(
        summary="Ask a team: file a request",
        request=RequestCreateSerializer,
        responses={201: RequestSerializer, **errors(400, 404)},
    )
    def post(self, request: Request, key: str) -> Response:
        team, _ = self.askable(key)
        data = self.validated(RequestCreateSerializer)
        created = intake.request_create(team=team, actor=self.caller, **data)
        found = reads.request_for(self.caller, created.pk)
        return with_etag(Response(request_out(found), status=status.HTTP_201_CREATED), found)


class RequestDetailView(IntakeView):
    @extend_schema(summary="Read a request", responses={200: RequestSerializer, **errors(404)})
    def get(self, request: Request, pk: int) -> Response:
        found = self.get_request(pk)
        return with_etag(Response(request_out(found)), found)

    @extend_schema(
        summary="Edit a request",
        description="Its requester changes the title, description, links and impact; the "
        "team's contributors also the category and the assignee. Closed requests are read-only.",
        parameters=[IF_MATCH],
        request=RequestUpdateSerializer,
        responses={200: RequestSerializer, **errors(400, 403, 404, 412)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        found = self.get_request(pk)
        changes = self.validated(RequestUpdateSerializer, partial=True)
        intake.request_update(
            request=found,
            actor=self.caller,
            changes=changes,
            expected_version=expected_version(request),
        )
        fresh = reads.request_for(self.caller, pk)
        return with_etag(Response(request_out(fresh)), fresh)


def _triage_kwargs(team: Team, data: dict[str, Any], caller: Any) -> dict[str, Any]:
    """The service's arguments from a triage body: keys become rows (404 when not visible)."""
    kwargs: dict[str, Any] = {
        "action": data["action"],
        "reason": data.get("reason", ""),
        "question": data.get("question", ""),
        "until": data.get("until"),
    }
    if data.get("team"):
        kwargs["team"] = reads.askable_team(caller, data["team"])[0]
    if data.get("original"):
        original = IntakeRequest.objects.filter(pk=data["original"]).first()
        if original is None:
            raise NotFound(f"No request {data['original']}.")
        kwargs["original"] = original
    if data["action"] == "accept" and data.get("into"):
        initiative = None
        if data.get("initiative"):
            initiative = Initiative.objects.by_key(data["initiative"]).filter(team=team).first()
            if initiative is None:
                message = f"No initiative {data['initiative']} in {team.key}."
                raise ValidationFailed(message, fields={"initiative": [message]})
        kwargs["accept"] = intake.Accept(
            into=data["into"],
            initiative=initiative,
            title=data.get("title", ""),
            dri=data.get("dri"),
        )
    return kwargs


class RequestTriageView(IntakeView):
    @extend_schema(
        summary="Triage a request: accept, route, decline, duplicate, snooze or needs_info",
        description="`accept` needs `into` (`new_initiative`, `initiative` or `task`, the "
        "last two with `initiative`); `route` a `team` and a `reason` (the note); `decline` a "
        "`reason`; `duplicate` the `original`'s id; `snooze` `until`; `needs_info` a "
        "`question`. Routing to a team the caller may not ask answers 404.",
        parameters=[IF_MATCH],
        request=TriageSerializer,
        responses={200: RequestSerializer, **errors(400, 403, 404, 409, 412)},
    )
    def post(self, request: Request, pk: int) -> Response:
        found = self.get_request(pk)
        data = self.validated(TriageSerializer)
        intake.request_triage(
            request=found,
            actor=self.caller,
            expected_version=expected_version(request),
            **_triage_kwargs(found.team, data, self.caller),
        )
        fresh = reads.request_for(self.caller, pk)
        return with_etag(Response(request_out(fresh)), fresh)


class TeamRotationView(IntakeView):
    serializer_class = RotationSerializer

    def get_object(self) -> Team:
        """The team (DRF's ``OPTIONS`` asks for the object a ``PUT`` would change)."""
        return self.askable(self.kwargs["key"])[0]

    @extend_schema(
        summary="A team's on-call rotation and triage slot",
        responses={200: RotationSerializer, **errors(404)},
    )
    def get(self, request: Request, key: str) -> Response:
        team, _ = self.askable(key)
        return Response(rotation_out(reads.rota(team)))

    @extend_schema(
        summary="Replace the rotation, hand-over, triage slot (EM or PM)",
        description="`members`: usernames in rotation order. Without `starts_on` the first "
        "member is on call from the current shift.",
        request=RotationInputSerializer,
        responses={200: RotationSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, key: str) -> Response:
        team = self.member_team(key)
        data = self.validated(RotationInputSerializer)
        names = data.pop("members")
        users = {u.username: u for u in reads.members_named(team, names)}
        unknown = [n for n in names if n not in users]
        if unknown:
            raise ValidationFailed(
                fields={"members": [f"Not a contributor of {team.key}: {', '.join(unknown[:5])}."]},
                code="not_contributor",
            )
        rotation_services.rotation_set(
            team=team, actor=self.caller, members=[users[n] for n in names], **data
        )
        return Response(rotation_out(reads.rota(team)))


class TeamOnCallView(IntakeView):
    serializer_class = OnCallSerializer

    @extend_schema(
        summary="Who is on call for a team now, and the next shifts",
        responses={200: OnCallSerializer, **errors(404)},
    )
    def get(self, request: Request, key: str) -> Response:
        team, _ = self.askable(key)
        return Response(on_call_out(reads.rota(team)))


class IntakeTokenAuthentication(authentication.BaseAuthentication):
    """Only says how to authenticate (``WWW-Authenticate``); the view checks the token."""

    def authenticate(self, request: Request) -> None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="intake"'


_ALERT_TEXT = {"type": "string", "maxLength": 200, "pattern": NOT_BLANK}
# Either body the view reads: Alertmanager's webhook (any JSON with a list of ``alerts``: each
# entry is read for what it has) or a generic alert. Characters no database stores (NUL, lone
# surrogates) are dropped from either, not refused: the sender is a machine.
ALERT_BODY = {
    "anyOf": [
        {
            "title": "AlertmanagerWebhook",
            "type": "object",
            "required": ["alerts"],
            "properties": {
                "alerts": {"type": "array", "maxItems": 200, "items": {"type": "object"}},
                "status": {"type": "string"},
            },
        },
        {
            "title": "GenericAlert",
            "type": "object",
            "required": ["title", "fingerprint"],
            "properties": {
                "title": _ALERT_TEXT,
                "fingerprint": _ALERT_TEXT,
                "severity": {"type": "string"},
                "source": {"type": "string"},
                "url": {"type": "string", "pattern": url_pattern(("http", "https"), blank=False)},
                "status": {"type": "string", "enum": ["firing", "resolved"]},
                "description": {"type": "string"},
            },
        },
    ]
}


class TeamAlertsView(IntakeView):
    authentication_classes = [IntakeTokenAuthentication]
    parser_classes = [LenientJSONParser]
    request_body_required = True
    permission_classes = [AllowAny]
    serializer_class = AlertsAcceptedSerializer

    @extend_schema(
        summary="Alert intake (CAT2): Alertmanager's webhook or a generic alert",
        description="Authenticated by the team's intake token (`Authorization: Bearer ssi_…`), "
        "made by the team's EM on the triage queue page. Takes Prometheus Alertmanager's "
        "webhook JSON as it is sent, or `{title, severity, source, fingerprint, url, status}`. "
        "A firing alert opens a CAT2 request for the person on call, or folds into the open "
        "one with its fingerprint; `resolved` closes it while nobody has triaged it.",
        request={"application/json": ALERT_BODY},
        responses={
            202: AlertsAcceptedSerializer,
            **errors(400, 404),
            401: OpenApiResponse(ErrorSerializer, description="No valid intake token."),
        },
        auth=[],
    )
    def post(self, request: Request, key: str) -> Response:
        header = authentication.get_authorization_header(request).split()
        token = header[1].decode("ascii", "replace") if len(header) == 2 else ""
        team = alerts.intake_token_authenticate(key, token) if header[:1] == [b"Bearer"] else None
        if team is None:
            response = Response(
                {"code": "authentication_failed", "detail": "No valid intake token.", "fields": {}},
                status=status.HTTP_401_UNAUTHORIZED,
            )
            response["WWW-Authenticate"] = 'Bearer realm="intake"'
            return response
        body = request.data
        if not isinstance(body, dict):
            raise ValidationFailed(
                "A JSON object.", fields={"non_field_errors": ["A JSON object."]}
            )
        if not rules.is_alertmanager(body):
            GenericAlertSerializer(data=body).is_valid(raise_exception=True)
        outcomes = alerts.alerts_receive(team=team, body=body)
        results = [
            {"fingerprint": o.fingerprint, "outcome": o.outcome, "request": o.request_id}
            for o in outcomes
        ]
        return Response({"results": results}, status=status.HTTP_202_ACCEPTED)
