"""OpenAPI documentation helpers: the error answers each operation can give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from initiatives.api.serializers.common import (
    ErrorSerializer,
    GateBlockedSerializer,
    StaleWriteSerializer,
)

ERROR_DESCRIPTIONS = {
    400: "Invalid input (`invalid`, `invalid_transition`, `reason_required`, ...); "
    "`fields` names the offending fields.",
    403: "The caller may see the object but not do this (`forbidden`).",
    404: "No such object, or the caller is not a member of its team (`not_found`).",
    409: "The object's state does not allow it (`conflict`, `read_only`, ...).",
    412: "`If-Match` names a version that is no longer current (`stale_write`); "
    "nothing was changed.",
}


def errors(*codes: int, gate: bool = False) -> dict[int, OpenApiResponse]:
    """Documented error responses; ``gate``: 409 is the gate refusal."""
    responses = {}
    for code in codes:
        serializer: Any = ErrorSerializer
        description = ERROR_DESCRIPTIONS[code]
        if code == 412:
            serializer = StaleWriteSerializer
        if code == 409 and gate:
            serializer = GateBlockedSerializer
            description = (
                "A gate blocks the move (`gate_blocked`): `gate` and the `missing` items; "
                "or another conflict with the current state."
            )
        responses[code] = OpenApiResponse(serializer, description=description)
    return responses


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The `ETag` from a GET (e.g. `"3"`): the change applies only if the object '
    "is still at that version, else `412`.",
)


class AutoSchema(SpectacularAutoSchema):
    """Adds the answers every operation can give (authentication, throttling, bad bodies)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        ref = self.resolve_serializer(ErrorSerializer, "response").ref
        body = {"application/json": {"schema": ref}}
        extra: dict[str, dict[str, Any]] = {
            "401": {"description": "Missing, invalid, expired or revoked credentials."},
            "429": {
                "description": "Too many requests for this token (`throttled`).",
                "headers": {
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": "Seconds to wait.",
                    }
                },
            },
        }
        if self.method == "GET":
            extra["404"] = {"description": "No such object, or a page beyond the last one."}
            # Any query value holding NUL, or one a filter cannot read (tracker.request_checks).
            extra["400"] = {
                "description": "Invalid query parameter (`invalid`, named in `fields`)."
            }
        if self.method in ("POST", "PUT", "PATCH"):
            extra["400"] = {"description": "Malformed body (`parse_error`) or invalid input."}
            extra["415"] = {"description": "Unsupported media type: send JSON."}
            extra["403"] = {"description": "Not allowed (`forbidden`), or a session without CSRF."}
        for code, response in extra.items():
            operation["responses"].setdefault(code, {**response, "content": body})
        return operation

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            # A body naming a field the operation does not take is refused (400 "Unknown
            # fields.", api/v1/base.py), so the schema says no other property is allowed.
            schema["additionalProperties"] = False
        return schema
