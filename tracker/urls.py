from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("initiatives.urls_ops")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # Before api/: it routes /api/v1/portfolio/, which the API's catch-all 404 would shadow.
    path("", include("initiatives.urls_dashboard")),
    path("api/", include("initiatives.api.urls")),
    path("settings/", include("initiatives.api.web_urls")),
    path("", include("initiatives.urls_weekly")),
    path("", include("initiatives.urls")),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.insert(0, path("bench/", include("bench.views")))
