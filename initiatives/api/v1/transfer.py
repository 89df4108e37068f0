"""``GET /api/v1/teams/{KEY}/export/``: the team's complete data as JSON
(``transfer.selectors.team_export``), for its engineering managers; the same file as
``manage.py export_team`` writes and ``manage.py import_team`` reads."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives.api.schema import errors
from initiatives.api.v1.base import ApiView
from initiatives.transfer.selectors import exportable_team, team_export


class TeamExportView(ApiView):
    @extend_schema(
        summary="The team's complete export (EM only): initiatives, work, checklists, "
        "updates and the activity log",
        responses={200: OpenApiTypes.OBJECT, **errors(403, 404)},
    )
    def get(self, request: Request, key: str) -> Response:
        team = exportable_team(self.caller, key)
        response = Response(team_export(team, now=timezone.now()))
        response["Content-Disposition"] = (
            f'attachment; filename="{team.key.lower()}-export-{timezone.localdate()}.json"'
        )
        return response
