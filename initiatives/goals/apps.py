from django.apps import AppConfig


class GoalsConfig(AppConfig):
    """Goals, key results and check-ins (their own tables and migrations)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives.goals"
    label = "goals"
    verbose_name = "Goals and key results"

    def ready(self) -> None:
        # The weekly check-in reminder (a job of the weekly tick) and the digest's section.
        from initiatives.goals import digest, reminders  # noqa: F401
