"""Every error is JSON with a stable code; nothing answers 500 to bad input."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders


def test_malformed_json_is_a_parse_error(clients, initiative):
    response = clients["dri"].generic(
        "PATCH",
        f"/api/v1/initiatives/{initiative.key}/",
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error" and response.json()["fields"] == {}


def test_a_body_that_is_not_an_object_is_invalid(clients, initiative):
    response = clients["dri"].post(
        f"/api/v1/initiatives/{initiative.key}/transition/", [1, 2], format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "non_field_errors" in response.json()["fields"]


def test_a_form_body_is_unsupported(clients, initiative):
    response = clients["dri"].post(
        "/api/v1/initiatives/", "team=PLAT", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing/",
        "/api/v1/initiatives/NOPE/",
        "/api/v1/initiatives/PLAT-999/",
        "/api/v1/initiatives/PLAT-x/checklists/",
        "/api/v1/tasks/99999999999999999999999/",
        "/api/v1/milestones/-1/",
        "/api/v1/checklist-items/999999999999999999/",
        "/api/v1/webhooks/0/",
    ],
)
def test_unknown_things_are_json_404(clients, initiative, path):
    response = clients["dri"].get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405(clients, initiative):
    response = clients["dri"].put(f"/api/v1/initiatives/{initiative.key}/", {})
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x" * 5000},
        {"title": "nul\x00byte"},
        {"title": 12},
        {"team": "PLAT", "title": "x", "target_date": "99999-01-01"},
        {"team": ["PLAT"], "title": "x"},
        {"team": "PLAT", "title": "x", "members": "eng"},
        {"team": "PLAT", "title": "x", "members": [None]},
    ],
)
def test_odd_bodies_are_400_not_500(clients, initiative, body):
    response = clients["dri"].post("/api/v1/initiatives/", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_huge_ids_in_bodies_are_400(clients, initiative):
    response = clients["dri"].post(
        f"/api/v1/initiatives/{initiative.key}/tasks/", {"title": "x", "milestone": 2**70}
    )
    assert response.status_code == 400 and "milestone" in response.json()["fields"]


def test_schema_and_docs_are_served_from_installed_assets(client, people):
    client.force_login(people["viewer"])  # both need a signed-in caller (issue 14)
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/initiatives/{key}/transition/" in paths
    responses = paths["/api/v1/initiatives/{key}/transition/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "412", "429"} <= set(responses)
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
