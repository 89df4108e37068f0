"""Security pieces Django 5.2 does not ship: a Content Security Policy header and the
failed-login throttle's backend.

The policy comes from ``settings.CONTENT_SECURITY_POLICY`` (directive -> sources). The UI uses
only same-origin static files; the one page with inline ``<script>``/``<style>`` blocks is the
Swagger UI of drf-spectacular, whose blocks are allowed by their SHA-256 hash on the paths in
``settings.CSP_INLINE_HASH_PATHS`` (never a blanket ``'unsafe-inline'`` for scripts).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse

INLINE_BLOCK = re.compile(rb"<(script|style)(?:\s[^>]*)?>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


def _hash(content: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode() + "'"


def build_policy(extra: dict[str, list[str]] | None = None) -> str:
    directives: dict[str, list[str]] = {
        name: list(sources) for name, sources in settings.CONTENT_SECURITY_POLICY.items()
    }
    for name, sources in (extra or {}).items():
        directives.setdefault(name, []).extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.base = build_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        if header in response:
            return response
        policy = self.base
        if (
            request.path in settings.CSP_INLINE_HASH_PATHS
            and not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            extra: dict[str, list[str]] = {"script-src": [], "style-src": []}
            for match in INLINE_BLOCK.finditer(response.content):
                tag, body = match.group(1).lower().decode(), match.group(2)
                if body.strip():
                    extra[f"{tag}-src"].append(_hash(body))
            policy = build_policy(extra)
        response[header] = policy
        return response


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' backend, for logins that come with an HTTP request (the login form, the
    admin). ``authenticate()`` without a request — the shell, management commands, the test
    client's ``login()`` — has no client address to throttle and is passed on to the next
    backend instead of raising ``AxesBackendRequestParameterRequired``."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
