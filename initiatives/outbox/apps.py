from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "initiatives.outbox"
    label = "shipshape_outbox"
    verbose_name = "Outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tracker.observability import connect_celery_signals

        from . import handlers  # noqa: F401  (registers the message kinds)

        connect_celery_signals()
