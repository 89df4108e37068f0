"""``GET /api/v1/portfolio/``: the EM dashboard's figures as data (``dashboard.summary``)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from initiatives.api.serializers.common import ErrorSerializer
from initiatives.api.serializers.portfolio import PortfolioSerializer
from initiatives.api.validation import SchemaValidated
from initiatives.dashboard.summary import portfolio_summary, summary_for_teams
from initiatives.selectors.portfolio import teams_for


class PortfolioAPIView(SchemaValidated, APIView):
    """``GET /api/v1/portfolio/?team=KEY``: the dashboard's figures for one of the caller's
    teams, or for all of them without ``team``. A team the caller is not in answers 404."""

    @extend_schema(
        summary="The EM dashboard's figures",
        parameters=[
            OpenApiParameter(
                "team",
                str,
                OpenApiParameter.QUERY,
                required=False,
                description="One of the caller's teams (key); all of them if omitted.",
            )
        ],
        responses={
            200: OpenApiResponse(
                PortfolioSerializer,
                description="The figures, as plain data (dates in the team's time zone when "
                "`team` is given).",
            ),
            401: OpenApiResponse(
                ErrorSerializer, description="Missing, invalid, expired or revoked credentials."
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="No such team, or the caller is not a member of it (`not_found`).",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        key = request.query_params.get("team") or None
        teams = teams_for(request.user, key.upper() if key else None)
        if key and not teams:
            raise NotFound("No such team.")
        # The lists bounded as on the page, with the whole initiatives table.
        summary = (
            summary_for_teams(teams, table_limit=None)
            if teams
            else portfolio_summary([], now=timezone.now(), table_limit=None)
        )
        return Response({"teams": [t.key for t in teams], **summary})
