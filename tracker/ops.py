"""Operations endpoints: liveness, readiness and Prometheus metrics. No login, no session, no
template: they must answer while the rest of the site cannot."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from tracker.observability import metrics_payload


@csrf_exempt
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering; touches nothing else."""
    return JsonResponse({"status": "ok"})


logger = logging.getLogger("shipshape.ops")


def failure(check: str, error: Exception) -> str:
    """What /readyz says about a failed check: the kind of error only. Its message (hosts,
    ports, user names) goes to the log, not to whoever can reach the endpoint."""
    logger.warning("Readiness check %s failed: %s: %s", check, type(error).__name__, error)
    return type(error).__name__


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return failure("database", error)
    return None


def check_broker() -> str | None:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    options: dict[str, Any] = {"connect_timeout": settings.READYZ_BROKER_TIMEOUT}
    transport_options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None)
    if transport_options:
        options["transport_options"] = transport_options
    try:
        with Connection(url, **options) as broker:
            broker.ensure_connection(
                max_retries=1,
                timeout=settings.READYZ_BROKER_TIMEOUT,  # type: ignore[arg-type]  # float s; stub: int
            )
    except Exception as error:
        return failure("broker", error)
    return None


@csrf_exempt
@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database and the broker both answer. 503 says which did not
    (and the kind of error), never where they are."""
    failures = {
        name: error
        for name, error in (("database", check_database()), ("broker", check_broker()))
        if error
    }
    body = {
        "status": "unavailable" if failures else "ok",
        "checks": {
            name: ("ok" if name not in failures else "failed") for name in ("database", "broker")
        },
        "errors": failures,
    }
    return JsonResponse(body, status=503 if failures else 200)


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    auth = request.headers.get("Authorization", "")
    if token and auth.startswith("Bearer "):
        return hmac.compare_digest(auth.removeprefix("Bearer ").strip(), token)
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


@csrf_exempt
@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    body, content_type = metrics_payload()
    return HttpResponse(body, content_type=content_type)
