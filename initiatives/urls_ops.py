"""Operations endpoints at the site root: ``/healthz``, ``/readyz``, ``/metrics``."""

from django.urls import path

from .views import ops

urlpatterns = [
    path("healthz", ops.healthz, name="ops-healthz"),
    path("readyz", ops.readyz, name="ops-readyz"),
    path("metrics", ops.metrics, name="ops-metrics"),
]
