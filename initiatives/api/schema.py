"""OpenAPI documentation helpers: the error answers each operation can give."""

from __future__ import annotations

from typing import Any

from django.core.validators import URLValidator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from initiatives.api.serializers.common import (
    ErrorSerializer,
    GateBlockedSerializer,
    StaleWriteSerializer,
)
from initiatives.api.validation import NO_NUL, NOT_BLANK, TIME_OF_DAY, url_pattern

ERROR_DESCRIPTIONS = {
    400: "Input this schema refuses (`invalid`), or valid input a rule refuses "
    "(`not_contributor`, `date_in_past`, `invalid_transition`, `reason_required`, ...); "
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
        if getattr(self.view, "request_body_required", False) and "requestBody" in operation:
            # A raw request schema (not a serializer) that still needs a body.
            operation["requestBody"]["required"] = True
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                parameter["schema"] = refused_text(parameter["schema"], blank=True)
        return operation

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            # A body naming a field the operation does not take is refused (400 "Unknown
            # fields.", api/v1/base.py), so the schema says no other property is allowed.
            schema["additionalProperties"] = False
            if getattr(serializer, "partial_on_patch", True) is False:
                # A PATCH whose view reads the whole body: its required fields stay required.
                required = [f.field_name for f in serializer.fields.values() if f.required]
                if required:
                    schema["required"] = required
            properties = schema.get("properties", {})
            for name, field in serializer.fields.items():
                if name in properties:
                    properties[name] = said_refusals(field, properties[name])
        return schema


def refused_text(schema: dict[str, Any], *, blank: bool) -> dict[str, Any]:
    """A string schema with no form of its own says NUL is refused (PostgreSQL cannot store it),
    and blank text too unless ``blank``."""
    if schema.get("type") != "string" or {"enum", "pattern", "format"} & schema.keys():
        return schema
    return {**schema, "pattern": NO_NUL if blank else NOT_BLANK}


def said_refusals(field: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """A request field's schema saying what else the API refuses, so that any input the schema
    allows is read (checked by schemathesis' positive_data_acceptance): NUL characters, text
    that is blank once trimmed, URLs Django's validator refuses (``api.validation``)."""
    if isinstance(field, serializers.ListField) and schema.get("type") == "array":
        return {**schema, "items": said_refusals(field.child, schema["items"])}
    if isinstance(field, serializers.URLField):
        # Every URL validator of the field must accept it: the narrowest set of schemes.
        validators = [v for v in field.validators if isinstance(v, URLValidator)]
        schemes = set.intersection(*(set(v.schemes) for v in validators))
        outer = {k: schema[k] for k in ("description", "default", "nullable") if k in schema}
        limit = {"maxLength": field.max_length} if field.max_length else {}
        pattern = url_pattern(schemes, blank=field.allow_blank)
        return {**outer, "type": "string", **limit, "pattern": pattern}
    if isinstance(field, serializers.TimeField):
        # RFC 3339's "time" wants seconds and an offset; the API reads a team's wall-clock
        # time: the pattern says so (and schemathesis generates from it).
        outer = {k: schema[k] for k in ("description", "default", "nullable") if k in schema}
        return {**outer, "type": "string", "pattern": TIME_OF_DAY}
    blank = not isinstance(field, serializers.CharField) or field.allow_blank
    return refused_text(schema, blank=blank or not field.trim_whitespace)
