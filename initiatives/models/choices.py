from django.db import models


class Role(models.TextChoices):
    ENGINEER = "engineer", "Engineer"
    EM = "em", "Engineering manager"
    PM = "pm", "Product manager"
    SECURITY = "security", "Security"
    LEGAL = "legal", "Legal"
    VIEWER = "viewer", "Viewer"


class State(models.TextChoices):
    DISCOVERY = "discovery", "Discovery"
    SCOPING = "scoping", "Scoping"
    READY = "ready", "Ready"
    IN_DELIVERY = "in_delivery", "In delivery"
    DONE = "done", "Done"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"


class Health(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


# How each health is shown everywhere (the brief: green / yellow / red); "none" for no update.
HEALTH_COLOUR = {Health.ON_TRACK: "green", Health.AT_RISK: "yellow", Health.OFF_TRACK: "red"}


class SecurityRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class MilestoneState(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class TaskState(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    IN_REVIEW = "in_review", "In review"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


CLOSED_TASK_STATES = (TaskState.DONE, TaskState.WONT_DO)


class ChecklistKind(models.TextChoices):
    READY = "ready", "Definition of Ready"
    DONE = "done", "Definition of Done"


class SignoffRole(models.TextChoices):
    NONE = "", "None"
    SECURITY = "security", "Security"
    LEGAL = "legal", "Legal"
    EM = "em", "Engineering manager"
    STAKEHOLDER = "stakeholder", "Stakeholder"


class Evidence(models.TextChoices):
    NONE = "", "None"
    URL = "url", "Link"
    TEXT = "text", "Note"


class Rule(models.TextChoices):
    """Automatic checks evaluated from data (``initiatives.rules.checklists.RULES``)."""

    NONE = "", "None"
    STAKEHOLDERS_LISTED = "stakeholders_listed", "At least one stakeholder listed"
    DESIGN_DOC_LINKED = "design_doc_linked", "Design document linked"
    MILESTONES_PLANNED = "milestones_planned", "Milestones planned with delivery dates"
    ALL_TASKS_CLOSED = "all_tasks_closed", "Every task done or won't do"
    SECURITY_RISK_SET = "security_risk_set", "Security risk level set"


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    WAIVED = "waived", "Waived"


def choices_check(field: str, choices: type[models.TextChoices]) -> models.CheckConstraint:
    """A database constraint keeping ``field`` within its choices."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
    )
