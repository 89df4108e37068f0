"""Readable text: Markdown tables render, digest excerpts are plain text of the rendered
Markdown, activity lines use labels and display names, the live preview endpoint, the tokens
page and the API docs' link back."""

import pytest
from django.urls import reverse

from initiatives import services
from initiatives.models import ActivityEvent
from initiatives.rules.text import markdown_to_text
from initiatives.web.templatetags.shipshape import render_markdown
from initiatives.weekly.digest import EXCERPT_CHARS, excerpt

TABLE = "| Area | Status |\n| --- | :-: |\n| API | done |\n| <b>UI</b> | [spec](https://x.test/s) |"


def test_markdown_tables_render_and_stay_sanitised():
    html = render_markdown(TABLE)
    assert "<table>" in html and "<th>Area</th>" in html and '<td align="center">done</td>' in html
    assert "<b>" not in html and "&lt;b&gt;" not in html
    assert 'href="https://x.test/s"' in html


def test_excerpts_are_plain_text_of_the_rendered_markdown():
    text = "Shipped the [RFC](https://example.com/rfc) and **auth** <script>x()</script>; <i>ok</i>"
    assert excerpt(text) == "Shipped the RFC and auth x(); ok"
    assert excerpt(TABLE) == "Area Status API done UI spec"
    assert excerpt("a &amp; b < c") == "a & b < c"
    long = excerpt("word " * 2000)
    assert len(long) <= EXCERPT_CHARS and long.endswith("…")
    assert markdown_to_text("# Title\n\n- one\n- two") == "Title one two"


def test_activity_lines_use_labels_and_display_names(team, people, initiative):
    people["pm"].first_name, people["pm"].last_name = "Pat", "Morgan"
    people["pm"].save()
    services.initiative_update(
        initiative=initiative, actor=people["dri"],
        changes={"design_doc_url": "https://example.com/doc"},
    )  # fmt: skip
    services.initiative_person_add(
        initiative=initiative, actor=people["dri"], user=people["pm"], kind="stakeholder"
    )
    summaries = list(
        ActivityEvent.objects.filter(initiative=initiative).values_list("summary", flat=True)
    )
    assert any(s.startswith("Edited design doc of ") for s in summaries), summaries
    assert any(s.startswith("Added Pat Morgan as stakeholder") for s in summaries), summaries
    assert not any("design_doc_url" in s or " pm " in s for s in summaries)


def test_markdown_preview(client, people):
    client.force_login(people["viewer"])
    response = client.post(reverse("markdown-preview"), {"text": TABLE})
    assert response.status_code == 200 and "<table>" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    empty = client.post(reverse("markdown-preview"), {"text": ""}).content.decode()
    assert "Nothing to preview" in empty
    assert client.post(reverse("markdown-preview"), {"text": "x" * 20_001}).status_code == 400
    assert client.get(reverse("markdown-preview")).status_code == 405


def test_markdown_preview_requires_login_and_csrf(client, people):
    assert client.post(reverse("markdown-preview"), {"text": "x"}).status_code == 302
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["viewer"])
    assert strict.post(reverse("markdown-preview"), {"text": "x"}).status_code == 403


def test_tokens_page_has_copy_and_confirmation(client, people):
    client.force_login(people["dri"])
    response = client.post(reverse("api-tokens"), {"name": "CI"})
    html = response.content.decode()
    assert 'data-copy="#new-token-value"' in html and "onfocus" not in html
    assert '<details class="confirm">' in html and "Yes, revoke “CI”" in html


@pytest.mark.parametrize("path", ["/api/docs/"])
def test_api_docs_link_back_to_the_app(client, people, path):
    client.force_login(people["viewer"])
    html = client.get(path).content.decode()
    assert "Back to Shipshape" in html and 'href="/"' in html
