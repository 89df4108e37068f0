from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("initiatives.api.urls")),
    path("", include("initiatives.urls_dashboard")),
    path("", include("initiatives.urls_weekly")),
    path("", include("initiatives.urls")),
]
