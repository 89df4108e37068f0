"""The root URL conf: operations endpoints, the admin, the API and the web UI (sign-in and
password reset included)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tracker import ops

urlpatterns = [
    path("healthz", ops.healthz, name="ops-healthz"),
    path("readyz", ops.readyz, name="ops-readyz"),
    path("metrics", ops.metrics, name="ops-metrics"),
    path("admin/", admin.site.urls),
    path("api/", include("initiatives.api.urls")),
    path("", include("initiatives.web.urls")),
]

# JSON under /api/, the web's pages elsewhere (tracker/errors.py).
handler400 = "tracker.errors.bad_request"
handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"

if settings.BENCH_ENDPOINTS:
    urlpatterns.insert(0, path("bench/", include("bench.views")))
