from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "initiatives.outbox"
    label = "shipshape_outbox"
    verbose_name = "Outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from initiatives.outbox import handlers  # noqa: F401  (registers the message kinds)
        from tracker.observability import connect_celery_signals

        connect_celery_signals()
