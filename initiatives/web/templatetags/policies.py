"""Priority moves (up / down forms) for board cards and table rows."""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def rank_moves(context: template.Context, key: str, within: str) -> SafeString:
    """Two POST forms, "Move up" and "Move down", that work without JavaScript."""
    request = context["request"]
    action = reverse("initiative-rank", args=[key])
    token = get_token(request)
    here = context.get("here", "")
    forms = [
        format_html(
            '<form method="post" action="{}" class="inline">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="direction" value="{}">'
            '<input type="hidden" name="within" value="{}">'
            '<input type="hidden" name="next" value="{}">'
            '<button type="submit" class="linklike" aria-label="Move {} {}">{}</button></form>',
            action,
            token,
            direction,
            within,
            here,
            key,
            direction,
            arrow,
        )
        for direction, arrow in (("up", "↑"), ("down", "↓"))
    ]
    return format_html('<span class="rankmoves">{}{}</span>', forms[0], forms[1])
