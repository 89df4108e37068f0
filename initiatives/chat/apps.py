from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "initiatives.chat"
    label = "shipshape_chat"
    verbose_name = "Chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Subscribe to audit events, register the outbox message kind and the Celery tasks
        # (the outbox publishes tasks by name, so every process must know them).
        from initiatives.chat import events, tasks  # noqa: F401
