from django.apps import AppConfig


class CollabConfig(AppConfig):
    """Comments, reactions, mentions, sign-off requests and following (its own tables)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives.collab"
    label = "shipshape_collab"
    verbose_name = "Collaboration"

    def ready(self) -> None:
        # Closing sign-off requests when their item is decided subscribes to the audit events.
        from initiatives.collab import subscribers, tasks  # noqa: F401
