"""Status updates are Markdown written by people; what reaches the page must be inert."""

import pytest
from django.urls import reverse

from initiatives import services
from initiatives.models import Health
from initiatives.web.templatetags.shipshape import render_markdown
from tests.web.conftest import advance


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>hello",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)" onmouseover="alert(2)">hi</p>',
        "<iframe src='https://evil.example'></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<style>body{display:none}</style>text",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_dangerous_markdown_renders_inert(source):
    html = render_markdown(source).lower()
    assert "<script" not in html and "alert(" not in html.replace("alert('x')", "")
    assert "javascript:" not in html and "data:text" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    assert "<iframe" not in html and "<style" not in html and "<svg" not in html


def test_ordinary_markdown_keeps_its_formatting():
    html = render_markdown("**bold** and [docs](https://example.com)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


def test_update_page_shows_script_as_nothing(client, people, initiative):
    advance(initiative, people["dri"])
    services.status_update_post(
        initiative=initiative,
        actor=people["dri"],
        health=Health.OFF_TRACK,
        progress="<script>alert('pwn')</script>\n\nSafe text",
        risks='[bad](javascript:alert(1)) <img src=x onerror="alert(2)">',
    )
    client.force_login(people["em"])
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "Safe text" in html
    assert "alert('pwn')" not in html and "javascript:alert" not in html
    assert 'onerror="alert' not in html
    assert client.get(reverse("my-work")).status_code == 200
