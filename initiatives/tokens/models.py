"""Personal access tokens: bearer tokens that act as their user on the API.

The table belongs to the ``shipshape_api`` app (its label and migrations predate this
package); ``initiatives.api.models`` imports it so that Django registers it there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PersonalAccessTokenQuerySet(models.QuerySet):
    def usable(self) -> PersonalAccessTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class PersonalAccessToken(models.Model):
    """A bearer token acting as its user. Only the SHA-256 of the token is stored; the token
    itself is shown once, when it is created (``initiatives.tokens.services.token_create``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The first characters of the token, shown in lists so that people can tell tokens apart.
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        app_label = "shipshape_api"
        ordering = ["-created_at", "-pk"]
        verbose_name = "personal access token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
