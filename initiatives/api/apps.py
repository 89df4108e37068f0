from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API: serializers, viewsets, personal access tokens and outgoing webhooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives.api"
    label = "shipshape_api"
    verbose_name = "Shipshape API"
