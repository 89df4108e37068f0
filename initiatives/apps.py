from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives"
    verbose_name = "Shipshape"

    def ready(self) -> None:
        # Wire the subjects together once the models are loaded: webhooks subscribe to audit
        # events and register their outbox message kind; the Celery tasks of every subject are
        # registered in every process (the outbox publishes tasks by name).
        # Signing in keeps the viewer's time zone in the session (web.timezones).
        from initiatives.web import timezones  # noqa: F401
        from initiatives.webhooks import events, tasks  # noqa: F401
        from initiatives.weekly import tasks as weekly_tasks  # noqa: F401
