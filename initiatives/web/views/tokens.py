"""The "API tokens" page: create a personal access token (shown once), list and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from initiatives.rules.exceptions import NotFound, ValidationFailed
from initiatives.tokens.models import PersonalAccessToken
from initiatives.tokens.services import MAX_EXPIRY_DAYS, token_create, token_revoke


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
def tokens_page(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            row, token = token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationFailed as error:
            for field, errors in error.fields.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            # Rendered, not redirected: the token is never stored, so this is its one showing.
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
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = token_revoke(token_id=pk, user=request.user)
    except NotFound:
        return HttpResponse(status=404)
    messages.success(request, f"Token “{row.name}” revoked; it no longer works.")
    return redirect("api-tokens")
