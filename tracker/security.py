"""Security pieces Django 5.2 does not ship that need code of ours: the failed-login
throttle's backend. (The Content Security Policy is django-csp's middleware, configured in
``settings.CONTENT_SECURITY_POLICY``.)"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' backend, for logins that come with an HTTP request (the login form, the
    admin). ``authenticate()`` without a request — the shell, management commands, the test
    client's ``login()`` — has no client address to throttle and is passed on to the next
    backend instead of raising ``AxesBackendRequestParameterRequired``."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
