"""A team's policies (set by its EM) and the blocked-by links between initiatives. Only
``initiatives.policies.services`` writes these rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from initiatives.models import Initiative, Task, Team

# Bounds of the settings (the form, the API schema and the table's checks agree).
WIP_MAX = 100
PAIRING_DEFAULT = 2
PAIRING_MAX = 20


class TeamPolicy(models.Model):
    """What a team requires before an initiative starts delivery (or leaves scoping). Every
    policy is off until the EM sets it (a team without a row has none)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="policy")
    # At most this many initiatives in delivery for the team; None: no limit.
    wip_team = models.PositiveSmallIntegerField("WIP limit for the team", null=True, blank=True)
    # At most this many initiatives in delivery per DRI; None: no limit.
    wip_dri = models.PositiveSmallIntegerField("WIP limit per DRI", null=True, blank=True)
    # At least ``pairing_min`` people (the DRI plus the members) to start delivery.
    pairing_required = models.BooleanField("require pairing", default=False)
    pairing_min = models.PositiveSmallIntegerField(
        "people needed to start delivery", default=PAIRING_DEFAULT
    )
    # An initiative leaves scoping (and resumes into ready or later) only when it serves at
    # least one key result (``initiatives.goals``).
    key_result_required = models.BooleanField("require a linked key result", default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wip_team__isnull=True)
                | models.Q(wip_team__gte=1, wip_team__lte=WIP_MAX),
                name="policy_wip_team_range",
            ),
            models.CheckConstraint(
                condition=models.Q(wip_dri__isnull=True)
                | models.Q(wip_dri__gte=1, wip_dri__lte=WIP_MAX),
                name="policy_wip_dri_range",
            ),
            models.CheckConstraint(
                condition=models.Q(pairing_min__gte=2, pairing_min__lte=PAIRING_MAX),
                name="policy_pairing_min_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Policies of {self.team_id}"


class Dependency(models.Model):
    """``initiative`` (or one of its tasks, ``task``) is blocked by ``blocker``, an initiative
    of the same team or another."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="blocked_by_links"
    )
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="blocked_by_links"
    )
    blocker = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="blocking_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "blocker"],
                condition=models.Q(task__isnull=True),
                name="dependency_unique_initiative",
            ),
            models.UniqueConstraint(
                fields=["task", "blocker"],
                condition=models.Q(task__isnull=False),
                name="dependency_unique_task",
            ),
            models.CheckConstraint(
                condition=~models.Q(initiative=models.F("blocker")),
                name="dependency_not_self",
            ),
        ]
        indexes = [models.Index(fields=["blocker"])]

    def __str__(self) -> str:
        return f"{self.initiative_id} blocked by {self.blocker_id}"
