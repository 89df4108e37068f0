"""``GET /api/v1/search/?q=``: the global search (``initiatives.search``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives.api.schema import errors
from initiatives.api.serializers.search import SearchResultsSerializer, results_out
from initiatives.api.v1.base import ApiView
from initiatives.api.validation import NO_NUL
from initiatives.search import query as search_query
from initiatives.search.selectors import search

Q_PARAMETER = OpenApiParameter(
    "q",
    {"type": "string", "maxLength": search_query.MAX_QUERY_CHARS, "pattern": NO_NUL},
    required=False,
    description="Words, each matched as the start of a word (`preview per`); or a key "
    "(`PLAT-12`). At most 8 words count.",
)


class SearchView(ApiView):
    serializer_class = SearchResultsSerializer

    @extend_schema(
        summary="Search initiatives, milestones, tasks and status updates",
        description="What you may see (your teams' initiatives), at most 10 of each kind, "
        "best match first on PostgreSQL, newest first elsewhere. An empty `q` finds nothing.",
        parameters=[Q_PARAMETER],
        responses={200: SearchResultsSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        # The schema has refused NUL and a `q` over the limit already (api.validation).
        query = search_query.parse(request.query_params.get("q", ""))
        return Response(results_out(search(self.caller, query)))
