"""``POST /preview/markdown/``: a Markdown text rendered as the page will show it (the update
form's live preview, static/js/enhance.js). Without JavaScript nothing calls it and the form
works as before."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_POST

from initiatives.rules.limits import TEXT_CHARS
from initiatives.web.templatetags.shipshape import render_markdown
from initiatives.web.views.base import AuthenticatedHttpRequest


@login_required
@require_POST
def markdown_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = request.POST.get("text", "")
    if len(text) > TEXT_CHARS:
        return HttpResponseBadRequest(
            f"A text is at most {TEXT_CHARS:,} characters.", content_type="text/plain"
        )
    html = render_markdown(text) or '<p class="empty">Nothing to preview.</p>'
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
