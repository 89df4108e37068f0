"""The site's error answers, chosen once by where the request went: under ``/api/`` every error
is the API's JSON (``{"code", "detail", "fields"}``), whatever raised it — a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``, a path no URL matches, a NUL byte refused by
``tracker.request_checks``, a bad query parameter, an unexpected exception; elsewhere the web's
pages. Installed as the root URL conf's ``handler400`` / ``handler403`` / ``handler404`` /
``handler500``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from initiatives.api.errors import error_body
from tracker.request_checks import BadParameter


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(code: str, detail: str, status: int, **fields: list[str]) -> JsonResponse:
    return JsonResponse(error_body(code, detail, fields=fields), status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, BadParameter):
        if is_api(request):
            return api_error(
                "invalid", "Invalid input.", 400, **{exception.field: [exception.message]}
            )
        # A page of its own (not the site layout): the request may be unusable beyond this.
        body = render_to_string("400.html", {"message": exception.message})
        return HttpResponse(body, status=400)
    if is_api(request):
        return api_error(
            "bad_request", "The request could not be read (too big or malformed).", 400
        )
    return defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("forbidden", "You do not have permission to do this.", 403)
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("not_found", "Not found.", 404)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error("server_error", "Something went wrong on our side.", 500)
    return defaults.server_error(request)
