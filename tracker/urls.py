"""The root URL conf: operations endpoints, the admin, sign-in, the API and the web UI."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tracker import ops

urlpatterns = [
    path("healthz", ops.healthz, name="ops-healthz"),
    path("readyz", ops.readyz, name="ops-readyz"),
    path("metrics", ops.metrics, name="ops-metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("initiatives.api.urls")),
    path("", include("initiatives.web.urls")),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.insert(0, path("bench/", include("bench.views")))
