"""Ceiling 0 of the benchmark: a bare Django view with no middleware at all, served by the same
gunicorn (and the same Django process) as everything else, at ``/bench/zero/`` only when
``SHIPSHAPE_BENCH_ENDPOINTS=1`` (``tracker.wsgi`` hands that one path to ``application``).

It is what Django and the server cost for nothing: every other row of ``make bench`` is also
reported as a percentage of it."""

from __future__ import annotations

from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, JsonResponse
from django.urls import path

PATH = "/bench/zero/"


def zero(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "service": "shipshape"})


urlpatterns = [path("bench/zero/", zero, name="bench-zero")]


class BareHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware list and this module as its URLconf."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        self._middleware_chain = convert_exception_to_response(
            self._get_response  # type: ignore[attr-defined]
        )

    def get_response(self, request: HttpRequest) -> Any:
        request.urlconf = __name__  # type: ignore[attr-defined]
        return super().get_response(request)


application = BareHandler()
