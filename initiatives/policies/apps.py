from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    """Team policies (WIP limits, pairing) and blocked-by links (its own tables and
    migrations)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives.policies"
    label = "policies"
    verbose_name = "Team policies and dependencies"
