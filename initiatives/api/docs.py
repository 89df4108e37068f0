"""The interactive API docs (Swagger UI) under the site's Content Security Policy, which allows
no inline script: drf-spectacular's split view serves the page's script as a same-origin file
(``/api/docs/?script``), and the page's one inline ``<style>`` block (static text of
drf-spectacular's template) is allowed by its SHA-256 hash. Never ``'unsafe-inline'``."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from csp.decorators import csp_update
from django.http import HttpResponseBase
from django.template.loader import render_to_string
from drf_spectacular.views import SpectacularSwaggerSplitView

# drf-spectacular's page with a bar linking back to the app (templates/api/docs.html).
DOCS_TEMPLATE = "api/docs.html"
STYLE_BLOCK = re.compile(r"<style(?:\s[^>]*)?>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)


def csp_hash(text: str) -> str:
    """A CSP source allowing exactly the inline block ``text``."""
    digest = hashlib.sha256(text.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def style_hashes(template_name: str) -> list[str]:
    """The hashes of the template's inline style blocks, which hold no template variables
    (so any rendering of the page carries the same ones)."""
    page = render_to_string(template_name, {"script_url": "?script"})
    return [csp_hash(body) for body in STYLE_BLOCK.findall(page) if body.strip()]


def swagger_view() -> Callable[..., HttpResponseBase]:
    """The docs view, its page's style blocks allowed (hashed once, when the URLs load)."""
    view = SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name=DOCS_TEMPLATE)
    allowed = {"style-src": style_hashes(DOCS_TEMPLATE)}
    # The same allowance whichever of the two policies (enforced, report-only) is on.
    return csp_update(allowed, REPORT_ONLY=True)(csp_update(allowed)(view))
