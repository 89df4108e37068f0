"""The one check of every API request against the OpenAPI schema the API publishes: before a
view runs (after authentication and throttling), its query string and JSON body are validated
against the operation's parameters and request body in ``/api/schema/``, by validators compiled
once per process (jsonschema-rs). Input the schema calls invalid is refused with ``400``
``invalid`` naming each field, whatever the serializers or filters would have coerced
(``"active": 0``, ``page_size=1.5``, a date-time without an offset); so the schema is exactly
as strict as the API, and a new endpoint is checked as soon as its view is an ``ApiView``.

What a schema cannot say (a person who is not a contributor, a date in the past, a move the
state does not allow) is the domain's to refuse, with a code of its own (README "Security").
The patterns below make the schema say what else is refused: NUL characters (PostgreSQL cannot
store them), text that is blank once trimmed, URLs Django's validator would refuse."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from django.http import QueryDict
from rest_framework.request import Request

from initiatives.rules.exceptions import ValidationFailed

# --- What the schema says about strings (used by api.schema when it describes a field) -------

# Python's str.strip() removes these (DRF trims text fields): spelled out so that Python's,
# ECMAScript's and Rust's regular expressions agree on them.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"
# A time of day as the API reads it (DRF's TimeField): HH:MM, seconds optional, no offset.
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"

# URLs: a subset of what Django's URLValidator accepts, small enough to say in a pattern: a
# scheme, a host name (labels of up to 32 letters, digits or hyphens, at most 7 of them with
# the top-level domain: always under Django's 253 characters), an IPv4 address or localhost,
# a port, a path, a query and a fragment.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?"
_OCTET = r"(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)"
_HOST = (
    rf"(?:{_LABEL}(?:\.{_LABEL}){{0,5}}\.(?:[A-Za-z]{{2,24}}|xn--[A-Za-z0-9]{{1,20}})"
    rf"|{_OCTET}(?:\.{_OCTET}){{3}}|localhost)"
)
# After the host: a port, then a path, query and fragment of RFC 3986's characters (what
# ``format: uri`` allows too, which the answers declare).
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_REST = (
    rf"(?::{_PORT})?(?:/(?:{_PCHAR}|/)*)?"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
)


def url_pattern(schemes: Iterable[str], *, blank: bool) -> str:
    """The pattern of a URL field taking ``schemes`` (and nothing, if ``blank``)."""
    url = f"(?:{'|'.join(sorted(schemes))})://{_HOST}{_REST}"
    return f"^(?:{url})?$" if blank else f"^{url}$"


WEEK = r"^[0-9]{4}-W(?:0[1-9]|[1-4][0-9]|5[0-3])$"

# The message for a value that does not match each pattern.
PATTERN_MESSAGES = {
    NO_NUL: "Null characters are not allowed.",
    NOT_BLANK: "This field may not be blank (nor hold null characters).",
    WEEK: "A week is written like 2026-W47.",
}

# --- Formats, as the API reads them ----------------------------------------------------------

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def is_date(value: str) -> bool:
    """RFC 3339's full-date that Python can hold (not year 0)."""
    if not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def parse_date_time(value: str) -> dt.datetime | None:
    """An RFC 3339 date-time (any case, a leap second read as :59), or None."""
    if not _DATE_TIME.fullmatch(value):
        return None
    text = value.upper().replace("Z", "+00:00")
    if text[17:19] == "60":  # a leap second: the last second before it
        text = f"{text[:17]}59{text[19:]}"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


FORMATS = {"date": is_date, "date-time": lambda value: parse_date_time(value) is not None}

# --- OpenAPI 3.0 as JSON Schema ----------------------------------------------------------------


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema object as JSON Schema 2020-12: ``nullable`` becomes "or null"."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if not node.get("nullable"):
        return converted
    if isinstance(converted.get("type"), str) and "enum" not in converted:
        return {**converted, "type": [converted["type"], "null"]}
    return {"anyOf": [converted, {"type": "null"}]}


def _validator(schema: dict[str, Any], components: dict[str, Any]) -> jsonschema_rs.Validator:
    root = json_schema({**schema, "components": components})
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True, formats=FORMATS)


@dataclass(frozen=True, slots=True)
class QueryParameter:
    name: str
    type: str  # the JSON type its text stands for: string, integer, number, boolean, array
    items: str  # an array's item type
    comma_separated: bool  # an array written a,b,c (``explode: false``)


@dataclass(frozen=True, slots=True)
class Operation:
    parameters: tuple[QueryParameter, ...]
    query: jsonschema_rs.Validator | None
    body: jsonschema_rs.Validator | None


def _operation(spec: dict[str, Any], components: dict[str, Any]) -> Operation:
    parameters, properties, required = [], {}, []
    for parameter in spec.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        name, schema = parameter["name"], parameter.get("schema", {})
        items = schema.get("items", {}) if schema.get("type") == "array" else {}
        parameters.append(
            QueryParameter(
                name=name,
                type=schema.get("type", "string"),
                items=items.get("type", "string"),
                comma_separated=parameter.get("explode", True) is False,
            )
        )
        properties[name] = schema
        if parameter.get("required"):
            required.append(name)
    query = {"type": "object", "properties": properties, "required": required}
    content = spec.get("requestBody", {}).get("content", {}).get("application/json")
    return Operation(
        parameters=tuple(parameters),
        query=_validator(query, components) if parameters else None,
        body=_validator(content["schema"], components) if content else None,
    )


@functools.cache
def operations() -> dict[tuple[str, str], Operation]:
    """(path shape, method) -> its compiled validators, from the schema ``/api/schema/``
    serves (built once per process)."""
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from initiatives.api.schema_view import built_schema

    spec = json.loads(OpenApiJsonRenderer().render(built_schema(None)))
    components = spec.get("components", {})
    return {
        (path_shape(path), method.upper()): _operation(operation, components)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"
    }


_ROUTE_PARAMETER = re.compile(r"<[^>]+>")
_SCHEMA_PARAMETER = re.compile(r"\{[^}]+\}")


@functools.cache
def path_shape(path: str) -> str:
    """A schema path or a URL route with its parameters unnamed (``/api/v1/teams/{}/``), to
    match one with the other: the schema may rename them (``<id:pk>`` is ``{id}``)."""
    if path.startswith("/"):
        return _SCHEMA_PARAMETER.sub("{}", path)
    return "/" + _ROUTE_PARAMETER.sub("{}", path)


# --- Query strings -----------------------------------------------------------------------------

_INTEGER = re.compile(r"-?[0-9]{1,4000}")  # Python reads at most 4,300 digits
_NUMBER = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?(?:[eE][+-]?[0-9]{1,3})?")


def _typed(text: str, kind: str) -> Any:
    """The value a query string's text stands for, if it is one of ``kind`` (else the text,
    which the validator then refuses as the wrong type)."""
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "number" and _NUMBER.fullmatch(text):
        return float(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def query_values(request: Request, parameters: Iterable[QueryParameter]) -> tuple[dict, dict]:
    """(values, errors): the declared parameters the query string gives, typed."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    query = request.query_params
    for parameter in parameters:
        texts = query.getlist(parameter.name)
        if not texts:
            continue
        if parameter.type == "array":
            if parameter.comma_separated:  # an empty text is an empty list
                texts = [part for text in texts if text for part in text.split(",")]
            values[parameter.name] = [_typed(text, parameter.items) for text in texts]
        elif len(texts) > 1:
            errors[parameter.name] = ["Give this parameter once."]
        else:
            values[parameter.name] = _typed(texts[0], parameter.type)
    return values, errors


# --- Messages ----------------------------------------------------------------------------------

TYPE_NAMES = {
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def _choices(options: Iterable[Any]) -> str:
    return ", ".join("(empty)" if o == "" else "null" if o is None else str(o) for o in options)


Kind = jsonschema_rs.ValidationErrorKind
FORMAT_MESSAGES = {
    "date": "Enter a date like 2026-12-01.",
    "date-time": "Enter a date and time like 2026-12-01T09:30:00Z (with its offset).",
}


def message(error: jsonschema_rs.ValidationError) -> str:
    """A plain-language message for one error of the validator."""
    match error.kind:
        case Kind.Type(types):
            return "Must be " + " or ".join(TYPE_NAMES.get(t, t) for t in types) + "."
        case Kind.Enum(options):
            return f"Choose one of: {_choices(options)}."
        case Kind.AnyOf(context) | Kind.OneOfNotValid(context):
            # "One of these enums, or null", "a URL or nothing": the alternatives' own words.
            errors = [e for branch in context for e in branch]
            options = [o for e in errors if isinstance(e.kind, Kind.Enum) for o in e.kind.options]
            if options:
                return f"Choose one of: {_choices(dict.fromkeys(options))}."
            return message(errors[0]) if errors else "Not a valid value."
        case Kind.Required():
            return "This field is required."
        case Kind.Format(name):
            return FORMAT_MESSAGES.get(name, f"Not a valid {name}.")
        case Kind.Pattern(pattern) if "://" in pattern:
            return "Enter a URL like https://example.com/path (a host name or IPv4 address)."
        case Kind.Pattern(pattern):
            return PATTERN_MESSAGES.get(pattern, "Not in the expected form.")
        case Kind.MaxLength(limit):
            return f"At most {limit:,} characters."
        case Kind.MinLength(1):
            return "This field may not be blank."
        case Kind.MinLength(limit):
            return f"At least {limit} characters."
        case Kind.Maximum(limit):
            return f"At most {limit}."
        case Kind.Minimum(limit):
            return f"At least {limit}."
        case Kind.MaxItems(limit):
            return f"At most {limit} items."
        case Kind.MinItems(limit):
            return f"At least {limit} item{'s' if limit != 1 else ''}."
    return error.message


def _field(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path) or "non_field_errors"


def errors_of(validator: jsonschema_rs.Validator, instance: Any) -> dict[str, list[str]]:
    """Each refused field with its messages (``{"stakeholders.0": [...]}``, like DRF's)."""
    fields: dict[str, list[str]] = {}
    for error in validator.iter_errors(instance):
        path: list[Any] = list(error.instance_path)
        match error.kind:
            case Kind.AdditionalProperties(unexpected):
                for name in unexpected:
                    fields.setdefault(_field([*path, name]), []).append("Unknown field.")
                continue
            case Kind.Required(name):
                path.append(name)
        fields.setdefault(_field(path), []).append(message(error))
    return fields


# --- The check ---------------------------------------------------------------------------------


def check_request(request: Request) -> None:
    """Refuse (ValidationFailed, 400 ``invalid``) a request whose query string or JSON body the
    operation's schema does not allow. Requests to routes the schema does not describe pass."""
    match = request._request.resolver_match
    if match is None:
        return
    method = "GET" if request.method == "HEAD" else request.method or ""  # HEAD answers as GET
    operation = operations().get((path_shape(match.route), method))
    if operation is None:
        return
    fields: dict[str, list[str]] = {}
    if operation.query is not None:
        values, fields = query_values(request, operation.parameters)
        if not operation.query.is_valid(values):
            fields.update(errors_of(operation.query, values))
    if operation.body is not None:
        body = request.data
        if isinstance(body, QueryDict):  # DRF's empty body
            body = body.dict()
        if not operation.body.is_valid(body):
            fields.update(errors_of(operation.body, body))
    if fields:
        raise ValidationFailed(fields=fields)


class SchemaValidated:
    """Mixed into every API view (``ApiView``): ``check_request`` once authentication,
    permissions and throttling have passed, before the handler."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # a mixin of APIView
        check_request(request)
