"""Demo data for ``make run``: team PLAT, its people, eight initiatives over every state, and
eight weeks of status updates. Idempotent: people are upserted, and the initiatives are created
only when the team has none, so running it twice leaves what running it once did."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from initiatives import services
from initiatives.checklists import evaluate
from initiatives.models import (
    ChecklistItem,
    ChecklistKind,
    Evidence,
    Health,
    ItemStatus,
    Membership,
    MilestoneState,
    Role,
    State,
    StatusUpdate,
    TaskState,
    Team,
)

User = get_user_model()
PASSWORD = "shipshape-demo"

PEOPLE = [
    # username, name, role
    ("dana", "Dana DRI", Role.ENGINEER),
    ("erin", "Erin EM", Role.EM),
    ("sam", "Sam Security", Role.SECURITY),
    ("lee", "Lee Legal", Role.LEGAL),
    ("eve", "Eve Engineer", Role.ENGINEER),
    ("eli", "Eli Engineer", Role.ENGINEER),
    ("pat", "Pat PM", Role.PM),
    ("vic", "Vic Viewer", Role.VIEWER),
]

HEALTH_ARC = {
    # initiative title -> health per week, oldest first (8 weeks)
    "Kubernetes 1.31 upgrade": ["on_track"] * 3 + ["at_risk"] * 3 + ["off_track", "at_risk"],
    "OpenTelemetry rollout": ["on_track"] * 5 + ["at_risk", "at_risk", "off_track"],
    "Terraform module registry": ["on_track"] * 6 + ["at_risk", "on_track"],
    "Service mesh mTLS everywhere": ["on_track"] * 4 + ["at_risk"] * 4,
    "Secrets to Vault": ["at_risk", "on_track"] * 4,
}


class Command(BaseCommand):
    help = "Load idempotent demo data (team PLAT) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users = self._people()
            team = Team.objects.get(key="PLAT")
            if not team.initiatives.exists():
                Demo(team, users).build()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Sign in with any of these (password: {PASSWORD}):")
        for username, name, role in PEOPLE:
            self.stdout.write(f"    {username:<6} {name:<14} {Role(role).label}")
        self.stdout.write(f"    admin  (Django admin, superuser; password: {PASSWORD})")

    def _people(self) -> dict[str, Any]:
        team, _ = Team.objects.get_or_create(
            key="PLAT", defaults={"name": "Platform", "time_zone": "Europe/Berlin"}
        )
        users = {}
        for username, name, role in [*PEOPLE, ("admin", "Admin", None)]:
            first, _, last = name.partition(" ")
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": username == "admin",
                    "is_superuser": username == "admin",
                },
            )
            if not user.check_password(PASSWORD):
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
            if role:
                Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})
            users[username] = user
        return users


class Demo:
    def __init__(self, team: Team, users: dict[str, Any]):
        self.team, self.u = team, users
        self.today = timezone.localdate()

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def build(self) -> None:
        u = self.u
        self.create(
            "Ephemeral CI runners",
            State.DISCOVERY,
            dri=u["eve"],
            summary="Replace long-lived CI VMs with per-job runners.",
        )
        blocked = self.create(
            "Service mesh mTLS everywhere",
            State.SCOPING,
            dri=u["dana"],
            summary="Encrypt all east-west traffic with mesh-issued certificates.",
            security_risk="high",
        )
        self.satisfy(
            blocked,
            ChecklistKind.READY,
            leave_open=(
                "Cost projection",
                "Rollout plan",
                "Security risk level assessed, with security approval if required",
            ),
        )
        self.create(
            "Terraform module registry",
            State.READY,
            dri=u["eli"],
            summary="A private registry of versioned, tested Terraform modules.",
        )
        self.create(
            "Kubernetes 1.31 upgrade",
            State.IN_DELIVERY,
            dri=u["dana"],
            slip=True,
            summary="Upgrade every cluster, control plane first, then node pools.",
        )
        self.create(
            "OpenTelemetry rollout",
            State.IN_DELIVERY,
            dri=u["eve"],
            summary="Traces and metrics from every service through one collector.",
        )
        self.create(
            "Secrets to Vault",
            State.DONE,
            dri=u["dana"],
            summary="Move every service secret from CI variables to Vault.",
        )
        jenkins = self.create(
            "Legacy Jenkins retirement",
            State.DISCOVERY,
            dri=u["eli"],
            summary="Retire the last Jenkins controllers.",
        )
        services.initiative_transition(
            initiative=jenkins,
            to=State.CANCELLED,
            actor=u["erin"],
            reason="Superseded by the ephemeral CI runners initiative.",
        )
        paused = self.create(
            "Cost dashboards",
            State.SCOPING,
            dri=u["eve"],
            summary="Per-team cloud cost dashboards.",
        )
        services.initiative_transition(initiative=paused, to=State.PAUSED, actor=u["erin"])

    def create(
        self,
        title: str,
        target: str,
        *,
        dri: Any,
        summary: str,
        slip: bool = False,
        security_risk: str = "low",
    ) -> Any:
        u = self.u
        initiative = services.initiative_create(
            team=self.team,
            actor=dri,
            dri=dri,
            title=title,
            summary=summary,
            target_date=self.day(90),
            members=[u["eve"], u["eli"]],
            stakeholders=[u["pat"]],
        )
        services.initiative_update(
            initiative=initiative,
            actor=dri,
            changes={
                "design_doc_url": f"https://docs.example.com/rfc/{initiative.key.lower()}",
                "security_risk": security_risk,
            },
        )
        self.history(initiative)
        if target == State.DISCOVERY:
            return initiative
        services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=dri)
        pilot = services.milestone_create(
            initiative=initiative,
            actor=dri,
            title="Pilot on one team",
            due_date=self.day(-20),
            scope="One team uses it for real work.",
        )
        general = services.milestone_create(
            initiative=initiative,
            actor=dri,
            title="General availability",
            due_date=self.day(10),
            scope="Every team migrated; old path switched off.",
        )
        services.task_create(
            initiative=initiative, actor=dri, title="Write the RFC", state=TaskState.DONE
        )
        if target == State.SCOPING:
            return initiative
        self.satisfy(initiative, ChecklistKind.READY)
        services.initiative_transition(initiative=initiative, to=State.READY, actor=dri)
        for milestone, titles in (
            (pilot, ["Prototype", "Pilot rollout", "Pilot review"]),
            (general, ["Migration guide", "Migrate remaining teams", "Switch off the old path"]),
        ):
            for i, task_title in enumerate(titles):
                services.task_create(
                    initiative=initiative,
                    actor=dri,
                    title=task_title,
                    milestone=milestone,
                    assignee=(u["eve"], u["eli"], dri)[i],
                )
        if target == State.READY:
            return initiative
        services.initiative_transition(initiative=initiative, to=State.IN_DELIVERY, actor=dri)
        services.milestone_transition(milestone=pilot, actor=dri, to=MilestoneState.IN_PROGRESS)
        if slip:
            services.milestone_update(
                milestone=pilot,
                actor=dri,
                changes={"due_date": self.day(5)},
                slip_reason="Node pool drain exposed PodDisruptionBudget gaps.",
            )
        for task in pilot.tasks.all()[:2]:
            services.task_update(task=task, actor=dri, changes={"state": TaskState.DONE})
        if target == State.IN_DELIVERY:
            return initiative
        for milestone in (pilot, general):
            milestone.refresh_from_db()
            for task in milestone.tasks.exclude(state=TaskState.DONE):
                services.task_update(task=task, actor=dri, changes={"state": TaskState.DONE})
            if milestone.state == MilestoneState.PLANNED:
                services.milestone_transition(
                    milestone=milestone, actor=dri, to=MilestoneState.IN_PROGRESS
                )
            services.milestone_transition(milestone=milestone, actor=dri, to=MilestoneState.DONE)
        self.satisfy(initiative, ChecklistKind.DONE)
        services.initiative_transition(initiative=initiative, to=State.DONE, actor=dri)
        return initiative

    def satisfy(self, initiative: Any, kind: str, leave_open: tuple[str, ...] = ()) -> None:
        """Tick or sign off every manual item of ``kind`` as the right person."""
        u = self.u
        signer = {"security": u["sam"], "legal": u["lee"], "em": u["erin"], "stakeholder": u["pat"]}
        items = ChecklistItem.objects.filter(
            initiative=initiative, kind=kind, status=ItemStatus.OPEN
        )
        for item in items:
            if item.is_automatic or item.text in leave_open:
                continue
            evidence = {
                Evidence.URL: f"https://docs.example.com/{initiative.key.lower()}/{item.pk}",
                Evidence.TEXT: "Reviewed with the team; details in the RFC.",
            }.get(item.evidence, "")
            actor = signer[item.signoff_role] if item.signoff_role else initiative.dri
            if "Customer-facing" in item.text or "Launch questionnaire" in item.text:
                services.checklist_item_waive(
                    item=item,
                    actor=initiative.dri,
                    reason="Internal platform change; no customers see it.",
                )
                continue
            services.checklist_item_tick(item=item, actor=actor, evidence=evidence)
        if not leave_open:
            assert evaluate(initiative, kind).met, f"demo {initiative.key} {kind} gate not met"

    def history(self, initiative: Any) -> None:
        arc = HEALTH_ARC.get(initiative.title)
        if not arc:
            return
        now = timezone.now()
        for weeks_ago, health in zip(range(len(arc) - 1, -1, -1), arc, strict=True):
            when = now - dt.timedelta(weeks=weeks_ago)
            update = services.status_update_post(
                initiative=initiative,
                actor=initiative.dri,
                health=health,
                now=when,
                progress=f"Week {len(arc) - weeks_ago}: steady progress on the current milestone.",
                risks=""
                if health == Health.ON_TRACK
                else "Waiting on the network team's change window.",
                next_week="Finish the pilot checklist and review with the EM.",
            )
            StatusUpdate.objects.filter(pk=update.pk).update(created_at=when, updated_at=when)
