import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
application = get_wsgi_application()

# Every API request is checked against the OpenAPI schema (initiatives/api/validation.py):
# build the schema and its validators (about a second of CPU) while the worker starts, not in
# its first request.
from initiatives.api.validation import operations  # noqa: E402

operations()

if os.environ.get("SHIPSHAPE_BENCH_ENDPOINTS") == "1":
    # The benchmark's ceiling 0 (bench/bare.py): a bare Django view without any middleware,
    # in the same server process as the application it is compared with.
    from bench.bare import PATH as _BARE_PATH
    from bench.bare import application as _bare

    _app = application

    def _dispatch(environ, start_response):
        if environ.get("PATH_INFO") == _BARE_PATH:
            return _bare(environ, start_response)
        return _app(environ, start_response)

    application = _dispatch  # type: ignore[assignment]
