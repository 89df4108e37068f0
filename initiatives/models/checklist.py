from django.conf import settings
from django.db import models

from initiatives.models.choices import (
    ChecklistKind,
    Evidence,
    ItemStatus,
    Rule,
    SignoffRole,
    choices_check,
)
from initiatives.models.initiative import Initiative
from initiatives.models.team import Team


class ChecklistTemplate(models.Model):
    """A team's Definition of Ready or Done; ``team`` empty is the built-in default.

    ``version`` goes up with every edit (``checklists.template_touch``); initiatives keep
    the snapshot of the version they were created with."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="checklist_templates"
    )
    kind = models.CharField(max_length=8, choices=ChecklistKind.choices)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__key", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["team", "kind"], name="template_one_per_team_kind"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(team__isnull=True),
                name="template_one_default_per_kind",
            ),
            choices_check("kind", ChecklistKind),
        ]

    def __str__(self) -> str:
        owner = self.team.key if self.team is not None else "Default"
        return f"{owner} {self.get_kind_display()} v{self.version}"


class ChecklistSection(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    title = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class ItemSpec(models.Model):
    """What an item asks for; shared by template items and their per-initiative snapshots."""

    text = models.CharField(max_length=300)
    guidance = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    # Required only for medium and high security risk (the DoD's security approval).
    risk_scaled = models.BooleanField(default=False)
    signoff_role = models.CharField(
        max_length=16, choices=SignoffRole.choices, blank=True, default=SignoffRole.NONE
    )
    evidence = models.CharField(max_length=8, choices=Evidence.choices, blank=True, default="")
    # With no sign-off the rule decides the item by itself; with a sign-off it is a precondition.
    rule = models.CharField(max_length=32, choices=Rule.choices, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.text

    @property
    def is_automatic(self) -> bool:
        return bool(self.rule) and not self.signoff_role


class TemplateItem(ItemSpec):
    section = models.ForeignKey(ChecklistSection, on_delete=models.CASCADE, related_name="items")

    class Meta:
        ordering = ["position", "pk"]


class ChecklistItem(ItemSpec):
    """One item of an initiative's DoR or DoD, copied from the template at creation."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="checklist_items"
    )
    kind = models.CharField(max_length=8, choices=ChecklistKind.choices)
    section = models.CharField(max_length=120)
    section_position = models.PositiveIntegerField(default=0)
    template_version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who ticked, signed or waived it, by display name at the time (a later rename or
    # deactivation does not change who signed).
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    evidence_value = models.TextField(blank=True)
    note = models.TextField(blank=True)
    waiver_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["kind", "section_position", "position", "pk"]
        constraints = [
            choices_check("status", ItemStatus),
            choices_check("kind", ChecklistKind),
            models.CheckConstraint(
                condition=~models.Q(status=ItemStatus.WAIVED) | ~models.Q(waiver_reason=""),
                name="checklist_item_waiver_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["initiative", "kind"])]
