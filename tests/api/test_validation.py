"""Every request is checked against its operation's schema before the view runs
(``initiatives/api/validation.py``): what the schema calls invalid is a 400 ``invalid`` naming
the field, whatever DRF would have coerced; what it allows is read; what a rule refuses in
valid input has the rule's own code."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from initiatives.api.validation import SchemaValidated, operations, path_shape
from initiatives.webhooks.models import WebhookEndpoint
from initiatives.webhooks.services import webhook_endpoint_create


def refused(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid", body
    assert field in body["fields"], body
    return body["fields"][field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=null", "page_size"),
        ("page_size=1.5", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page=0", "page"),
        ("page=", "page"),
        ("page=1&page=2", "page"),
        ("updated_after=2026-01-01", "updated_after"),  # a date, not a date-time
        ("updated_after=2026-01-01T00:00:00", "updated_after"),  # no offset
        ("updated_after=2026-01-01%2000:00:00Z", "updated_after"),  # not RFC 3339
        ("updated_after=0000-01-01T00:00:00Z", "updated_after"),  # no year 0
        ("state=flying", "state.0"),
        ("ordering=title,secret", "ordering.1"),
    ],
)
def test_query_values_the_schema_refuses_are_400(clients, initiative, query, field):
    # DRF's paginator ignored a page size it could not read; django-filter read ISO 8601.
    refused(clients["dri"].get(f"/api/v1/initiatives/?{query}"), field)


def test_head_is_checked_like_get(clients, initiative):
    response = clients["dri"].head("/api/v1/initiatives/?page_size=null")
    assert response.status_code == 400


def test_each_list_refuses_what_its_schema_refuses(clients, initiative):
    client = clients["dri"]
    key = initiative.key
    refused(client.get(f"/api/v1/initiatives/{key}/tasks/?milestone=1.5"), "milestone")
    refused(client.get(f"/api/v1/initiatives/{key}/activity/?page_size=abc"), "page_size")
    refused(client.get("/api/v1/updates/?week=2026-W99"), "week")
    refused(client.get("/api/v1/teams/?page=-1"), "page")


@pytest.mark.parametrize(
    "query",
    [
        "updated_after=2026-01-01t00:00:00z",  # RFC 3339 allows either case
        "updated_after=2016-12-31T23:59:60Z",  # a leap second
        "updated_after=0001-01-01T00:00:00%2B01:00",  # before year 1 in UTC: everything
        "updated_after=9999-12-31T23:00:00-05:00",  # after year 9999 in UTC: nothing
        "ordering=",  # an empty list
        "ordering=title,-number",
        "state=scoping&state=done",
        "page_size=200&page=1",
    ],
)
def test_query_values_the_schema_allows_are_read(clients, initiative, query):
    response = clients["dri"].get(f"/api/v1/initiatives/?{query}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": 5}, "title", "Must be text."),
        ({"title": "   "}, "title", "This field may not be blank (nor hold null characters)."),
        ({"target_date": "2026-W50-1"}, "target_date", "Enter a date like 2026-12-01."),
        ({"target_date": "20261201"}, "target_date", "Enter a date like 2026-12-01."),
        ({"design_doc_url": "http://intranet/doc"}, "design_doc_url", None),
        ({"design_doc_url": "javascript:alert(1)"}, "design_doc_url", None),
        ({"security_risk": "extreme"}, "security_risk", None),
        ({"summary": "x" * 20_001}, "summary", "At most 20,000 characters."),
        ({"nickname": "x"}, "nickname", "Unknown field."),
        ({"backfill": "yes"}, "backfill", "Must be true or false."),
    ],
)
def test_bodies_the_schema_refuses_are_400(clients, initiative, body, field, message):
    response = clients["dri"].patch(f"/api/v1/initiatives/{initiative.key}/", body)
    messages = refused(response, field)
    assert message is None or messages == [message]
    initiative.refresh_from_db()
    assert initiative.version == 1  # nothing written


def test_a_webhook_flag_must_be_a_boolean(clients, team, people):
    """``"active": 0`` was read as false by DRF."""
    endpoint = webhook_endpoint_create(
        team=team, actor=people["em"], url="http://127.0.0.1:9/", events=["milestone.slipped"]
    )
    response = clients["em"].patch(f"/api/v1/webhooks/{endpoint.pk}/", {"active": 0})
    assert refused(response, "active") == ["Must be true or false."]
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).active


def test_missing_fields_and_lists_are_named(clients, initiative):
    client = clients["dri"]
    assert refused(client.post("/api/v1/initiatives/", {"team": "PLAT"}), "title") == [
        "This field is required."
    ]
    response = client.post("/api/v1/initiatives/", {"team": "PLAT", "title": "x", "members": [1]})
    assert refused(response, "members.0") == ["Must be text."]


def test_a_lone_surrogate_is_refused_like_nul(clients, initiative):
    response = clients["dri"].generic(
        "PATCH",
        f"/api/v1/initiatives/{initiative.key}/",
        '{"title": "a\\ud800b"}',
        content_type="application/json",
    )
    assert refused(response, "title") == ["Surrogate characters are not allowed."]


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("initiatives/", {"team": "PLAT", "title": "x", "dri": "nobody"}, "not_contributor"),
        ("initiatives/{key}/tasks/", {"title": "x", "milestone": 999999}, "unknown_milestone"),
        ("initiatives/{key}/updates/", {"health": "at_risk"}, "update_incomplete"),
        ("initiatives/{key}/updates/", {"health": "on_track", "week": "2020-W01"}, "week_not_open"),
        ("initiatives/{key}/updates/", {"health": "on_track", "week": "2025-W53"}, "week_not_open"),
        ("teams/PLAT/webhooks/", {"url": "http://10.0.0.1/", "events": ["milestone.slipped"]},
         "url_not_public"),
    ],
)  # fmt: skip
def test_valid_input_a_rule_refuses_has_the_rules_code(
    clients, initiative, settings, path, body, code
):
    del settings.WEBHOOK_ALLOWED_NETWORKS
    client = clients["em"]
    response = client.post(f"/api/v1/{path.format(key=initiative.key)}", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and response.json()["fields"]


def test_a_service_refusal_of_a_non_contributor_has_its_code(clients, initiative, people):
    response = clients["dri"].post(
        f"/api/v1/initiatives/{initiative.key}/tasks/",
        {"title": "x", "assignee": people["outsider"].username},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_contributor"


def _v1_routes() -> list[tuple[str, type]]:
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    v1 = next(p for p in api.url_patterns if isinstance(p, URLResolver))
    prefix = f"{api.pattern}{v1.pattern}"
    return [
        (f"{prefix}{p.pattern}", p.callback.view_class)  # type: ignore[attr-defined]
        for p in v1.url_patterns
        if isinstance(p, URLPattern)
    ]


def test_every_api_view_is_checked_against_its_schema():
    """A new endpoint gets the check by being an ``ApiView`` (or mixing ``SchemaValidated``
    in), and its route must be the schema's, or nothing would be checked."""
    routes = _v1_routes()
    assert len(routes) > 20
    shapes = {shape for shape, _ in operations()}
    for route, view in routes:
        assert issubclass(view, SchemaValidated), view
        assert path_shape(route) in shapes, route
