"""Signing in and resetting a forgotten password: Django's views, with Shipshape's templates and
the limits of ``tracker.security`` (README "Security").

- Sign in: django-axes locks a (username, address) pair; the per-username slow-down refuses an
  attempt before its password is checked, and the form says to wait rather than "wrong password".
- Password reset: at most ``PASSWORD_RESET_RATE_PER_ADDRESS`` requests an hour from one client
  address (a 429 on the form) and ``PASSWORD_RESET_RATE_PER_ACCOUNT`` emails an hour to one
  address; beyond the latter the page answers exactly as if the email was sent, so the form
  never tells whether an account exists. Setting a new password through the emailed link
  revokes the user's personal access tokens.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.urls import reverse

from initiatives.sso import config as sso_config
from initiatives.tokens.services import tokens_revoke_all
from tracker.security import client_address, login_slowed_down, spend

HOUR = 3600


class SignInForm(AuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        if self.request is not None and login_slowed_down(self.request):
            return ValidationError(
                "Too many sign-in attempts for this account. Wait a few seconds and try again.",
                code="slowed_down",
            )
        return super().get_invalid_login_error()


class SignInView(auth_views.LoginView):
    """The password form, and the single sign-on button when it is configured; with
    ``PASSWORD_LOGIN`` off (and single sign-on on) the form is hidden and a posted password
    is refused."""

    form_class = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "sso_enabled": sso_config.enabled(),
            "sso_name": sso_config.provider_name(),
            "password_login": sso_config.password_login(),
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sso_config.password_login():
            return HttpResponseForbidden("Sign in through single sign-on.")
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    """Ends the session here; after a single sign-on, also at the provider when it has an
    end-session endpoint (it then sends the browser back to the sign-in page)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        after = f"{settings.SITE_URL}{reverse('login')}"
        end_session = sso_config.end_session_url(id_token, after)
        return HttpResponseRedirect(end_session) if end_session else response


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends at most ``PASSWORD_RESET_RATE_PER_ACCOUNT`` reset emails an hour to one address."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        if spend(
            "password-reset-account",
            to_email.strip().lower(),
            limit=settings.PASSWORD_RESET_RATE_PER_ACCOUNT,
            window=HOUR,
        ):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    # Links in emails start with SITE_URL, never with the Host header of the request.
    extra_email_context = {"site_url": settings.SITE_URL}

    def form_valid(self, form: Any) -> HttpResponse:
        if not spend(
            "password-reset-address",
            client_address(self.request),
            limit=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
            window=HOUR,
        ):
            form.add_error(
                None,
                "Too many password reset requests from your network. Try again in an hour.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever knew the old password may have made tokens with it.
        tokens_revoke_all(user=form.user)
        return response


sign_in = SignInView.as_view()
sign_out = SignOutView.as_view()
password_reset = PasswordResetView.as_view()
password_reset_confirm = PasswordResetConfirmView.as_view()
