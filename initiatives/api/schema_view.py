"""The ``/api/schema/`` view (apart from ``schema.py``, which drf-spectacular imports while it
loads its own views)."""

from __future__ import annotations

import functools
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


class CachedSchemaView(SpectacularAPIView):
    """``/api/schema/``: the OpenAPI document, built once per process and per API version.
    It is a pure function of the code (the URL conf, views and serializers), never of the
    caller (``SERVE_PUBLIC``) nor of data, so nothing ever invalidates it; building it takes
    0.5 to 1.7 s of CPU, which anonymous requests could otherwise make every worker spend.
    Like every endpoint it needs a signed-in caller (``SERVE_PERMISSIONS``, README)."""

    def handle_exception(self, exc: Exception) -> Response:
        # Errors (401, 429) in the API's JSON, not in the schema's YAML.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def _get_schema_response(self, request: Any) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        filename = self._get_filename(request, version)
        return Response(
            data=built_schema(version),
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


@functools.cache
def built_schema(version: str | None) -> dict[str, Any]:
    generator = SchemaGenerator(api_version=version)
    return generator.get_schema(request=None, public=True)
