"""Request ids, JSON logs, Prometheus metrics and the database-outage answer.

- ``RequestContextMiddleware`` (outermost) takes ``X-Request-ID`` from the request when it is
  sane, or makes one; puts it in a context variable that ``RequestIdFilter`` adds to every log
  record; returns it in the response; counts the request and its latency by method, route and
  status class (every label bounded, whatever clients send); and turns
  the 500 of a lost database into a 503 the client may retry.
- Celery signals carry the request id in the task message headers (``before_task_publish``)
  and restore it in the worker (``task_prerun``), and count task outcomes.
- Metrics use ``prometheus_client``; with ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with
  several workers, the Celery worker's pool) every process writes its own files and
  ``/metrics`` adds them up.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import Counter, Histogram

# Multiprocess metrics live in files there, created with the first metric (at import): on a
# read-only image /tmp is a fresh tmpfs, so the directory may not exist yet.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# --- Metrics ----------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "shipshape_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "shipshape_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_UNAVAILABLE = Counter(
    "shipshape_database_unavailable_total", "Requests answered 503 because the database was lost."
)
CELERY_TASKS = Counter("shipshape_celery_tasks_total", "Celery task outcomes.", ["task", "outcome"])
EMAILS_SENT = Counter(
    "shipshape_emails_sent_total", "Weekly emails handed to the mail server.", ["kind"]
)
OUTBOX_DISPATCHED = Counter(
    "shipshape_outbox_dispatched_total", "Outbox messages handed to the broker.", ["kind"]
)


# Every label takes a bounded set of values, whatever clients send: methods outside this set
# count as "other", unmatched paths as "<unmatched>", statuses by class ("2xx", "4xx", ...).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str | None) -> str:
    return method if method in KNOWN_METHODS else "other"


def status_label(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def metrics_payload() -> tuple[bytes, str]:
    """The exposition text of this process, or of every process in multiprocess mode."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# --- Request id and logs ----------------------------------------------------------------------


def current_request_id() -> str:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


# Paths that carry a credential: the one-click unsubscribe link and the password reset link.
# Logs (ours and gunicorn's access log) show them with the credential replaced.
_SECRET_PATHS = re.compile(r"(/digest/unsubscribe/|/accounts/reset/[^/\s\"?]+/)[^/\s\"?]+")


def scrub_secrets(text: str) -> str:
    return _SECRET_PATHS.sub(r"\1[redacted]", text)


class ScrubSecretsFilter(logging.Filter):
    """Replaces the credential of unsubscribe and password reset links in a log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub_secrets(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get() or None,
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


JsonFormatter.converter = time.gmtime


def _is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def _flag_database_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Sent by Django while it handles an uncaught exception, from a view or any middleware.
    if request is not None and _is_database_outage(sys.exc_info()[1]):
        request._shipshape_db_unavailable = True  # type: ignore[attr-defined]


got_request_exception.connect(_flag_database_outage, dispatch_uid="shipshape-db-outage")

UNAVAILABLE_HTML = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Temporarily unavailable</title>"
    "<h1>Shipshape is temporarily unavailable</h1>"
    "<p>The database cannot be reached right now. Nothing you sent was half-saved; "
    "please try again in a moment.</p></html>"
)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {
                "code": "service_unavailable",
                "detail": "The database is unavailable; retry shortly.",
                "fields": {},
            },
            status=503,
        )
    else:
        response = HttpResponse(UNAVAILABLE_HTML, status=503)
    response["Retry-After"] = "5"
    return response


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Loaded once per handler, before any request: database health checks only after idle.
        from tracker.connections import install

        install()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_ID.match(incoming) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            if response.status_code == 500 and getattr(request, "_shipshape_db_unavailable", False):
                DB_UNAVAILABLE.inc()
                response = unavailable_response(request)
            response[REQUEST_ID_HEADER] = request_id
            # The route pattern (``i/<str:key>/``), never the path: one series per route.
            match = getattr(request, "resolver_match", None)
            route = (match.route or match.view_name) if match else "<unmatched>"
            method = method_label(request.method)
            HTTP_REQUESTS.labels(method, route, status_label(response.status_code)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
            return response
        finally:
            request_id_var.reset(token)


class DatabaseUnavailableMiddleware:
    """Innermost: a view that lost the database answers 503 directly (the outer
    ``RequestContextMiddleware`` covers what fails in other middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _is_database_outage(exception):
            logging.getLogger("shipshape.db").warning(
                "Database unavailable: %s", exception, exc_info=False
            )
            DB_UNAVAILABLE.inc()
            return unavailable_response(request)
        return None


# --- Celery -----------------------------------------------------------------------------------


def _on_before_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id and "shipshape_request_id" not in headers:
        headers["shipshape_request_id"] = request_id


_task_tokens: dict[str, contextvars.Token[str]] = {}


def _on_task_prerun(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    carried = getattr(getattr(task, "request", None), "shipshape_request_id", None)
    _task_tokens[task_id] = request_id_var.set(carried or f"task-{task_id}")


def _on_task_postrun(
    task_id: str = "", task: Any = None, retval: Any = None, state: str = "", **kwargs: Any
) -> None:
    name = getattr(task, "name", "?")
    if state == "SUCCESS":
        CELERY_TASKS.labels(name, "succeeded").inc()
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


def _on_task_failure(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(getattr(sender, "name", "?"), "failed").inc()


def _on_task_retry(sender: Any = None, **kwargs: Any) -> None:
    CELERY_TASKS.labels(getattr(sender, "name", "?"), "retried").inc()


def _on_worker_init(**kwargs: Any) -> None:
    """With ``CELERY_METRICS_PORT`` the worker's main process serves the pool's metrics
    (multiprocess mode: set ``PROMETHEUS_MULTIPROC_DIR`` too)."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

    registry = REGISTRY
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    addr = os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1")
    start_http_server(int(port), addr=addr, registry=registry)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_on_before_publish, dispatch_uid="shipshape-rid-pub")
    signals.task_prerun.connect(_on_task_prerun, dispatch_uid="shipshape-rid-pre")
    signals.task_postrun.connect(_on_task_postrun, dispatch_uid="shipshape-rid-post")
    signals.task_failure.connect(_on_task_failure, dispatch_uid="shipshape-task-failure")
    signals.task_retry.connect(_on_task_retry, dispatch_uid="shipshape-task-retry")
    signals.worker_init.connect(_on_worker_init, dispatch_uid="shipshape-worker-metrics")
