"""The authentication backend of single sign-on: the authorization code flow of
mozilla-django-oidc with the endpoints from the provider's discovery document, an ID token
whose signature (the provider's JWKS), issuer, audience (this client) and nonce must all
verify, users found by the configured username claim and created just in time, and team
memberships following the group claim (``services.memberships_sync``)."""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from initiatives.sso import config
from initiatives.sso.services import memberships_sync

log = logging.getLogger(__name__)
User = get_user_model()


class SSOBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads fixed endpoints from settings; ours come from discovery, which is
        # only fetched when someone actually signs in through the provider.
        self.UserModel = User
        self.OIDC_RP_CLIENT_ID = getattr(settings, "OIDC_RP_CLIENT_ID", "")
        self.OIDC_RP_CLIENT_SECRET = getattr(settings, "OIDC_RP_CLIENT_SECRET", "")
        self.OIDC_RP_SIGN_ALGO = getattr(settings, "OIDC_RP_SIGN_ALGO", "RS256")
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback view passes a nonce: a password sign-in never reaches the provider.
        if "nonce" not in kwargs or not config.enabled():
            return None
        try:
            document = config.discovery()
        except config.SSOUnavailable as error:
            log.warning("Single sign-on unavailable: %s", error)
            return None
        self.issuer = document["issuer"]
        self.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = document.get("userinfo_endpoint", "")
        self.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as error:
            log.warning("Single sign-on refused: %s", error)
            return None

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """The signature (by the parent), then what the parent leaves out: the token was
        issued by our provider, to this client, and has not expired."""
        super()._verify_jws(payload, key)
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from None

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        """The ID token's claims, completed by the userinfo endpoint when there is one (the
        token's subject must match)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("The userinfo answer is about someone else.")
            claims.update(info)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(self._username(claims))

    def _username(self, claims: dict[str, Any]) -> str:
        value = claims.get(getattr(settings, "OIDC_USERNAME_CLAIM", "preferred_username"))
        return str(value).strip()[:150] if value else ""

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        return self.UserModel.objects.filter(username=self._username(claims))

    def create_user(self, claims: dict[str, Any]) -> Any:
        """Just-in-time: the person exists from their first sign-in (no usable password)."""
        user = self.UserModel(username=self._username(claims))
        self._copy_profile(user, claims)
        user.set_unusable_password()
        user.save()
        log.info("Single sign-on created user %s", user.get_username())
        return self.update_user(user, claims, created=True)

    def update_user(self, user: Any, claims: dict[str, Any], created: bool = False) -> Any:
        if not user.is_active:
            raise SuspiciousOperation("This account is deactivated.")
        if not created and self._copy_profile(user, claims):
            user.save(update_fields=["email", "first_name", "last_name"])
        groups_claim = getattr(settings, "OIDC_GROUPS_CLAIM", "")
        if groups_claim:
            mapping = config.group_roles(getattr(settings, "OIDC_GROUP_ROLES", ""))
            groups = claims.get(groups_claim) or []
            groups = [groups] if isinstance(groups, str) else [str(g) for g in groups]
            memberships_sync(
                user=user,
                roles=config.roles_for(groups, mapping),
                managed=config.mapped_teams(mapping),
            )
        return user

    @staticmethod
    def _copy_profile(user: Any, claims: dict[str, Any]) -> bool:
        values = {
            "email": str(claims.get("email") or user.email)[:254],
            "first_name": str(claims.get("given_name") or user.first_name)[:150],
            "last_name": str(claims.get("family_name") or user.last_name)[:150],
        }
        changed = any(getattr(user, k) != v for k, v in values.items())
        for name, value in values.items():
            setattr(user, name, value)
        return changed
