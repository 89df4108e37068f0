"""``/settings/``: the API tokens page (included by ``tracker.urls``)."""

from django.urls import path

from . import web

urlpatterns = [
    path("tokens/", web.tokens_page, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", web.token_revoke_view, name="api-token-revoke"),
]
