"""The weekly cycle's pages (mounted at the site root)."""

from django.urls import path

from .views import weekly

urlpatterns = [
    path("teams/<str:key>/digest/", weekly.digest_preview, name="weekly-digest-preview"),
    path(
        "teams/<str:key>/digest/subscription/",
        weekly.digest_subscription,
        name="weekly-subscription",
    ),
    path(
        "teams/<str:key>/digest/subscribers/",
        weekly.digest_subscribers,
        name="weekly-subscribers",
    ),
    path("digest/unsubscribe/<str:token>/", weekly.unsubscribe, name="weekly-unsubscribe"),
]
