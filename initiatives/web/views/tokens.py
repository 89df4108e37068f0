"""The "API tokens" page: create a personal access token (shown once), list and revoke. The
services' errors reach the page through ``base.attempt``, as on every other page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from initiatives.tokens.models import PersonalAccessToken
from initiatives.tokens.services import MAX_EXPIRY_DAYS, token_create, token_revoke
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “CI pipeline”.")
    expires_in_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        help_text="Leave empty for a token that does not expire.",
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request,
            token_create,
            form=form,
            user=request.user,
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
        if outcome.ok:
            # Rendered, not redirected: the token is never stored, so this is its one showing.
            row, token = outcome.value
            created = {"row": row, "token": token}
            form = TokenForm()
    tokens = PersonalAccessToken.objects.filter(user=request.user)
    status = 201 if created else (400 if request.method == "POST" else 200)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "created": created},
        status=status,
    )


@login_required
@require_POST
def token_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outcome = attempt(request, token_revoke, token_id=pk, user=request.user)
    if outcome.ok:
        messages.success(request, f"Token “{outcome.value.name}” revoked; it no longer works.")
    return redirect("api-tokens")
