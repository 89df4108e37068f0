"""What keeps the initiative page cheap to render: cached Markdown, option lists built once per
page, bounded lists of updates and activity with the rest reachable."""

from initiatives.templatetags import shipshape
from initiatives.templatetags.shipshape import render_markdown


def test_markdown_cache_returns_sanitised_output_every_time():
    source = "<script>alert('x')</script>**ok** [x](javascript:alert(1))"
    first = render_markdown(source)
    hits = shipshape._render_markdown_cached.cache_info().hits
    second = render_markdown(source)
    assert shipshape._render_markdown_cached.cache_info().hits == hits + 1
    assert first == second
    assert "<script" not in second and "javascript:" not in second
    assert "<strong>ok</strong>" in second


def test_markdown_cache_is_keyed_by_the_text():
    assert "<em>a</em>" in render_markdown("*a*")
    assert "<strong>a</strong>" in render_markdown("**a**")
    assert render_markdown("") == render_markdown(None) == ""


def test_long_markdown_is_rendered_without_the_cache():
    source = "<img src=x onerror=alert(1)>" + "word " * shipshape.MARKDOWN_CACHE_MAX_CHARS
    size = shipshape._render_markdown_cached.cache_info().currsize
    html = render_markdown(source)
    assert "onerror" not in html and "<img" not in html
    assert shipshape._render_markdown_cached.cache_info().currsize == size
