from django.conf import settings
from django.db import models
from django.urls import reverse

from initiatives.models.choices import (
    CLOSED_TASK_STATES,
    Health,
    MilestoneState,
    SecurityRisk,
    State,
    TaskState,
    choices_check,
)
from initiatives.models.team import Team

ACTIVE_STATES = (State.SCOPING, State.READY, State.IN_DELIVERY)


def split_key(key: str) -> tuple[str, int] | None:
    """``"plat-7"`` -> ``("PLAT", 7)``; None for anything that is not a ``KEY-N`` identifier (a
    number of ten digits or more names no initiative)."""
    team_key, _, number = key.upper().rpartition("-")
    if not team_key or not number.isdigit() or len(number) >= 10:
        return None
    return team_key, int(number)


class InitiativeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InitiativeQuerySet":
        return self.filter(team__memberships__user=user)

    def active(self) -> "InitiativeQuerySet":
        return self.filter(state__in=ACTIVE_STATES)

    def by_key(self, key: str) -> "InitiativeQuerySet":
        """Filter by a ``KEY-N`` identifier; an ill-formed key matches nothing."""
        parts = split_key(key)
        if parts is None:
            return self.none()
        return self.filter(team__key=parts[0], number=parts[1])


class Initiative(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="initiatives")
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    dri = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="initiatives_as_dri",
        verbose_name="DRI",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="initiatives_as_member"
    )
    stakeholders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="initiatives_as_stakeholder"
    )
    design_doc_url = models.URLField("design doc", max_length=500, blank=True)
    target_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DISCOVERY)
    # Where a paused initiative returns to.
    paused_from = models.CharField(max_length=16, choices=State.choices, blank=True)
    security_risk = models.CharField(max_length=8, choices=SecurityRisk.choices, blank=True)
    # The level security last signed off in the DoR's risk review: until security signs
    # again, the DoD's risk-scaled approval follows the stricter of it and ``security_risk``.
    security_risk_signed = models.CharField(
        max_length=8, choices=SecurityRisk.choices, blank=True, editable=False
    )
    # Everyone who has been the DRI, the current one included, in order of appointment:
    # nobody signs off a review of an initiative they own or have owned.
    dri_history = models.JSONField(default=list, blank=True, editable=False)
    cancel_reason = models.TextField(blank=True)
    # Denormalised from the latest status update (services.status_update_post) so that lists
    # filter and sort by health without a subquery per row.
    health = models.CharField(max_length=16, choices=Health.choices, blank=True)
    last_update_week = models.CharField(max_length=8, blank=True)
    # Roll-up of the DoR and DoD: required items, and how many of them are satisfied (done,
    # waived or met automatically). Kept by the services (checklists.store_gate_progress) after
    # every write that can change a gate, so that lists show and sort by gate progress without
    # evaluating every checklist. Gates themselves are always evaluated from the items.
    dor_required = models.PositiveSmallIntegerField(default=0, editable=False)
    dor_satisfied = models.PositiveSmallIntegerField(default=0, editable=False)
    dod_required = models.PositiveSmallIntegerField(default=0, editable=False)
    dod_satisfied = models.PositiveSmallIntegerField(default=0, editable=False)
    # Its tasks, and the closed ones (done or won't do): stored beside the gate progress by the
    # same services (the gate "all tasks closed" reads both counts), for the lists' progress.
    task_count = models.PositiveIntegerField(default=0, editable=False)
    closed_task_count = models.PositiveIntegerField(default=0, editable=False)
    # Priority within the team: 1 first. A new initiative goes last (its number); moves
    # rotate the ranks between two places under the team's row lock
    # (``policies.services.initiative_rerank``), so they stay unique.
    rank = models.IntegerField(default=0)
    # Incremented by every service that edits the initiative; the API's ETag.
    version = models.PositiveIntegerField(default=1, editable=False)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["team__key", "number"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="initiative_unique_number"),
            models.UniqueConstraint(fields=["team", "rank"], name="initiative_unique_rank"),
            choices_check("state", State),
            models.CheckConstraint(
                condition=models.Q(health__in=["", *Health.values]), name="initiative_health_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(security_risk__in=["", *SecurityRisk.values]),
                name="initiative_security_risk_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(security_risk_signed__in=["", *SecurityRisk.values]),
                name="initiative_security_risk_signed_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=State.PAUSED) | ~models.Q(paused_from=""),
                name="initiative_paused_knows_where_from",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "state"]),
            models.Index(fields=["dri", "state"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("initiative-detail", kwargs={"key": self.key})

    @property
    def key(self) -> str:
        return f"{self.team.key}-{self.number}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class Milestone(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    scope = models.TextField(blank=True)
    due_date = models.DateField("delivery date")
    original_due_date = models.DateField(editable=False)
    state = models.CharField(
        max_length=16, choices=MilestoneState.choices, default=MilestoneState.PLANNED
    )
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "position", "pk"]
        constraints = [choices_check("state", MilestoneState)]
        indexes = [models.Index(fields=["state", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in (MilestoneState.PLANNED, MilestoneState.IN_PROGRESS)


class MilestoneSlip(models.Model):
    """A recorded change of a milestone's delivery date."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="slips")
    old_date = models.DateField()
    new_date = models.DateField()
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.old_date} -> {self.new_date}"

    @property
    def days(self) -> int:
        return (self.new_date - self.old_date).days


class Task(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="tasks")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    state = models.CharField(max_length=16, choices=TaskState.choices, default=TaskState.TODO)
    external_url = models.URLField("external link", max_length=500, blank=True)
    # Set when the task was added to a milestone that had already started.
    scope_change = models.BooleanField(default=False, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [choices_check("state", TaskState)]
        indexes = [
            models.Index(fields=["initiative", "state"]),
            models.Index(fields=["assignee", "state"]),
            # Open work per person (the dashboard's WIP): read from the index alone.
            models.Index(
                fields=["initiative", "assignee"],
                name="task_open_assigned",
                condition=models.Q(assignee__isnull=False)
                & ~models.Q(state__in=CLOSED_TASK_STATES),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_TASK_STATES
