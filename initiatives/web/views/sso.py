"""Single sign-on's two steps on the web (``initiatives.sso``): sending the person to the
identity provider, and the callback that signs them in. Both answer 404 while single sign-on
is not configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from initiatives.sso import config


class SSOStartView(OIDCAuthenticationRequestView):
    def __init__(self, **kwargs: Any) -> None:
        # The parent reads fixed endpoints from settings; ours come from discovery.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not config.enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = config.discovery()["authorization_endpoint"]
        except config.SSOUnavailable:
            messages.error(request, f"{config.provider_name()} is not answering; try again later.")
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not config.enabled():
            raise Http404("Single sign-on is not configured.")
        return super().get(request)

    @property
    def failure_url(self) -> str:
        return reverse("login")

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            f"{config.provider_name()} did not sign you in. Try again, or ask an administrator.",
        )
        return super().login_failure()


sso_start = SSOStartView.as_view()
sso_callback = SSOCallbackView.as_view()
