from typing import Any

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API: serializers, viewsets, personal access tokens and outgoing webhooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives.api"
    label = "shipshape_api"
    verbose_name = "Shipshape API"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from initiatives.tokens.models import PersonalAccessToken
        from initiatives.tokens.services import forget_verified

        # A token or user changed through the ORM in this process is read afresh at once
        # (the per-process cache of verified tokens, tokens/services.py).
        def token_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
            forget_verified(token_hash=instance.token_hash)

        def user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
            forget_verified(user_id=instance.pk)

        for signal in (post_save, post_delete):
            signal.connect(token_changed, sender=PersonalAccessToken, weak=False)
            signal.connect(user_changed, sender=get_user_model(), weak=False)
