"""The global search page (``/search/?q=``), the header's search box's target."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from initiatives.search import query as search_query
from initiatives.search.selectors import search
from initiatives.web.views.base import AuthenticatedHttpRequest


@login_required
def search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    try:
        query = search_query.parse(text)
    except search_query.QueryTooLong as error:
        # Answered, not refused: the page says why nothing was searched.
        refused = {"q": text[: search_query.MAX_QUERY_CHARS], "error": str(error)}
        return render(request, "search/results.html", refused)
    context: dict[str, object] = {"q": query.text, "results": search(request.user, query)}
    return render(request, "search/results.html", context)
