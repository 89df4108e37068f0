"""Every answer the API gives in its tests is checked against the OpenAPI schema it publishes
(``/api/schema/``): the operation must exist, the status must be documented for it, and the
JSON body must validate against that status's schema: no undeclared keys, formats checked,
OpenAPI 3.0's ``nullable`` read as "or null" (also beside an ``allOf`` reference, as
drf-spectacular means it). Paths and methods the schema does not know must answer the JSON
404/405 error every other error has."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from django.http import HttpResponse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator

API_PREFIX = "/api/v1/"


@functools.cache
def spec() -> dict[str, Any]:
    """The schema ``/api/schema/`` serves, as JSON."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


@functools.cache
def path_patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each path template of the schema as a regular expression."""
    patterns = []
    for template in spec()["paths"]:
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        patterns.append((re.compile(regex), template))
    return patterns


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable: true`` becomes "this, or null", and an
    object with declared properties has no others (an answer sends exactly what is declared)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if "properties" in node:
        converted.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@functools.cache
def validator(ref: str) -> Draft202012Validator:
    """A validator of the schema at ``ref`` (or a JSON-encoded inline schema), its
    ``#/components/...`` references resolved in the published document."""
    schema = json.loads(ref) if ref.startswith("{") else {"$ref": ref}
    root = json_schema({**schema, "components": spec()["components"]})
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def error_schema() -> str:
    return "#/components/schemas/Error"


def response_schema(method: str, path: str, status: int) -> str | None:
    """The schema (a ``$ref`` or inline JSON) documented for this answer; None when the
    documented answer has no body. Raises AssertionError for an undocumented answer."""
    template = next((t for regex, t in path_patterns() if regex.fullmatch(path)), None)
    if template is None:
        assert status == 404, f"{method} {path}: {status} from a path the schema lacks"
        return error_schema()
    operation = spec()["paths"][template].get(method.lower())
    if operation is None:
        assert status == 405, f"{method} {path}: {status} from a method the schema lacks"
        return error_schema()
    documented = operation["responses"].get(str(status))
    assert documented is not None, (
        f"{method} {template}: status {status} is not documented "
        f"(documented: {sorted(operation['responses'])})"
    )
    content = documented.get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content["schema"]
    return schema["$ref"] if set(schema) == {"$ref"} else json.dumps(schema, sort_keys=True)


def check_response(method: str, path: str, response: HttpResponse) -> None:
    """Assert that an API answer is what the schema says it sends."""
    if not path.startswith(API_PREFIX):
        return
    if method == "HEAD":  # answered as GET, without its body
        response_schema("GET", path, response.status_code)
        return
    ref = response_schema(method, path, response.status_code)
    body = response.content
    if ref is None:
        assert not body, f"{method} {path}: {response.status_code} has a body, none documented"
        return
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    errors = sorted(
        validator(ref).iter_errors(json.loads(body)), key=lambda e: list(e.absolute_path)
    )
    assert not errors, (
        f"{method} {path} {response.status_code} disagrees with {ref}:\n"
        + "\n".join(
            f"  at {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
            for e in errors[:10]
        )
    )
