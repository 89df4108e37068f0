"""The interactive docs work under the site's Content Security Policy (django-csp): no inline
script at all, the page's inline style allowed by its hash only, the same on a report-only
policy."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from initiatives.api.docs import csp_hash

INLINE = re.compile(r"<(script|style)(\s[^>]*)?>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    """A policy header as ``{directive: [sources]}`` (django-csp does not keep their order)."""
    parts = (d.split() for d in header.split(";") if d.strip())
    return {name: sources for name, *sources in parts}


def inline_blocks(page: str) -> dict[str, list[str]]:
    """The inline (``src``-less) blocks of a page, by tag."""
    blocks: dict[str, list[str]] = {"script": [], "style": []}
    for tag, attrs, body in INLINE.findall(page):
        if "src=" not in (attrs or "") and body.strip():
            blocks[tag.lower()].append(body)
    return blocks


@pytest.fixture
def docs(client, people):
    client.force_login(people["viewer"])
    return client


def test_docs_page_has_no_inline_script_and_its_style_is_allowed_by_hash(docs):
    response = docs.get(reverse("api-docs"))
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    page = response.content.decode()
    blocks = inline_blocks(page)
    assert blocks["script"] == []
    assert blocks["style"], "the page's own style block"
    assert policy["style-src"] == ["'self'", *(csp_hash(body) for body in blocks["style"])]
    assert all("unsafe-inline" not in s for s in policy["script-src"] + policy["style-src"])
    # The page's script is a same-origin file, served by the same view.
    script_url = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', page).group(1)
    assert script_url.startswith("/api/docs/")
    script = docs.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_other_pages_get_the_plain_policy(docs):
    policy = directives(docs.get(reverse("api-schema")).headers["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


def test_report_only_policy_carries_the_same_allowance(docs, settings):
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = policy
    response = docs.get(reverse("api-docs"))
    assert "Content-Security-Policy" not in response
    report_only = directives(response["Content-Security-Policy-Report-Only"])
    blocks = inline_blocks(response.content.decode())
    assert report_only["style-src"] == ["'self'", *(csp_hash(b) for b in blocks["style"])]
    assert report_only["script-src"] == ["'self'"]
