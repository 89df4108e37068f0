from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Notification rows, preferences and batched email (its own tables)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives.notifications"
    label = "shipshape_notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Subscribes to audit events, registers its outbox message kind and its tasks.
        from initiatives.notifications import fanout, tasks  # noqa: F401
