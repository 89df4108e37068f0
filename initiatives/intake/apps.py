from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Requests to a team and their triage (its own tables and migrations)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives.intake"
    label = "shipshape_intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        # The requester's notifications (a services.publish subscriber), the triage reminder
        # (a job of the weekly tick), its digest section and their Celery tasks.
        from initiatives.intake import digest, notifications, reminders, tasks  # noqa: F401
