"""gunicorn settings for Shipshape: ``gunicorn -c gunicorn.conf.py tracker.wsgi``.

Environment: ``PORT`` (8000), ``BIND`` (overrides ``0.0.0.0:$PORT``), ``WEB_CONCURRENCY``
(workers; default 2 x cores + 1, at most 12), ``GUNICORN_THREADS`` (1), ``GUNICORN_TIMEOUT``
(30 s), ``GUNICORN_GRACEFUL_TIMEOUT`` (30 s), ``PROMETHEUS_MULTIPROC_DIR`` (metrics of every
worker added up at /metrics).
"""

import json
import multiprocessing
import os
import shutil

from gunicorn.glogging import Logger

from tracker.observability import scrub_secrets

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 12))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# GUNICORN_MAX_REQUESTS > 0 recycles workers after that many requests (a guard against a slow
# leak); off by default so a busy server does not restart its workers every few seconds.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Behind a proxy on another host, list its address so X-Forwarded-* is believed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Access log: one JSON object per request on stdout, with the request id the app returned.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "remote_addr": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "query": "%(q)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "duration_ms": "%(M)s",
        "user_agent": "%(a)s",
        "request_id": "%({x-request-id}o)s",
    }
)


class ScrubbingLogger(Logger):
    """gunicorn's logger, with the credential of unsubscribe and password reset links replaced
    wherever the access log could show it (path, request line, referrer, any header)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = scrub_secrets(value)
        return atoms


logger_class = ScrubbingLogger


def on_starting(server):
    # Metrics files of a previous run would be added to this one's.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
