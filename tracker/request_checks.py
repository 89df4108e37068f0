"""One check of every request before any view reads it: no NUL byte in the path, the query
string, a form body or a cookie. PostgreSQL cannot store or even compare text holding NUL, so
a NUL that reaches a query is a 500; no person types one. Refused with 400 naming the
parameter (``tracker.errors``: JSON under ``/api/``). JSON bodies are checked by the API's
parser (``initiatives.api.params``), typed values (numbers, weeks) where they are parsed
(``initiatives.web.params``, the API's filters), path segments by the URL converters
(``tracker.converters``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict


class BadParameter(BadRequest):
    """A query or form value that cannot be used (not a number, not a week, a NUL byte):
    400 with the parameter named, raised from anywhere a request is parsed."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


NUL = "\x00"
MESSAGE = "Null characters are not allowed."


def _first_with_nul(values: QueryDict | dict[str, str]) -> str | None:
    items: Iterable[tuple[str, str]] = (
        ((k, v) for k, vs in values.lists() for v in vs)
        if isinstance(values, QueryDict)
        else values.items()
    )
    for name, value in items:
        if NUL in name or NUL in value:
            return name.replace(NUL, "") or "query"
    return None


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            raise BadParameter("path", MESSAGE)
        # request.POST parses only form bodies (JSON is left to the API's parser); a body
        # over DATA_UPLOAD_MAX_MEMORY_SIZE raises here and answers 400 the same way.
        for values in (request.GET, request.COOKIES, request.POST):
            field = _first_with_nul(values)
            if field is not None:
                raise BadParameter(field, MESSAGE)
        return self.get_response(request)
