"""``GET /api/v1/initiatives/{KEY}/evidence/``: the initiative's evidence pack
(``audit.evidence``): every gate decision, the overrides and risk changes with their reasons,
and the verified head of its hash chain. Any member of the team may read it."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives.api.schema import errors
from initiatives.api.serializers.evidence import EvidencePackSerializer, evidence_out
from initiatives.api.v1.base import ApiView
from initiatives.audit.evidence import evidence_pack


class EvidenceView(ApiView):
    @extend_schema(
        summary="The initiative's evidence pack: gate decisions and the audit chain's head",
        responses={200: EvidencePackSerializer, **errors(404)},
    )
    def get(self, request: Request, key: str) -> Response:
        initiative = self.get_initiative(key)
        pack = evidence_pack(initiative, now=timezone.now())
        return Response(evidence_out(pack, initiative.team.tz))
