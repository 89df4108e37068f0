"""Demo data for ``make run``: team PLAT, its people, eight initiatives over every state, and
eight weeks of status updates. Idempotent: people are upserted, and the initiatives are created
only when the team has none, so running it twice leaves what running it once did.

Everything is built through the services (the team and its members too), which stamp every
row "now"; ``Demo.backdate`` then spreads each initiative's history over the last ten weeks
(``TIMELINE``), so that the dashboard shows real waits at the gates and real time in each state.
The only direct writes are of timestamps (``backdate``, and each update's posting time in
``history``): no service moves time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from initiatives import services
from initiatives.audit.maintenance import rewrite_times
from initiatives.goals import demo as goals_demo
from initiatives.intake import demo as intake_demo
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    ChecklistKind,
    Evidence,
    Health,
    Initiative,
    ItemStatus,
    Milestone,
    MilestoneSlip,
    MilestoneState,
    Role,
    State,
    StatusUpdate,
    Task,
    TaskState,
    Team,
)
from initiatives.selectors.checklists import evaluate

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
# Weeks between an arc's last update and now: a finished initiative stopped reporting.
ARC_ENDS_WEEKS_AGO = {"Secrets to Vault": 1}

# initiative title -> days ago it was created, then days ago of each later change of state, in
# the order ``Demo.build`` makes them. The status updates (``HEALTH_ARC``) start seven weeks ago,
# so every initiative with an arc is older than that.
TIMELINE = {
    "Ephemeral CI runners": (12,),
    "Service mesh mTLS everywhere": (63, 42),  # waiting at the DoR for six weeks
    "Terraform module registry": (60, 46, 12),
    "Kubernetes 1.31 upgrade": (66, 56, 38, 30),
    "OpenTelemetry rollout": (62, 50, 35, 21),
    "Secrets to Vault": (70, 60, 45, 38, 4),  # done after its last update
    "Legacy Jenkins retirement": (56, 30),  # cancelled
    "Cost dashboards": (58, 44, 20),  # paused in scoping
}
BOUNDARY_VERBS = ("initiative.created", "initiative.transitioned", "initiative.gate_overridden")


class Command(BaseCommand):
    help = (
        "Load idempotent demo data (team PLAT) and print the demo logins. Refuses to run with "
        "DEBUG off unless --force; never changes a user that already exists."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo logins share a published password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates logins with the published demo password, so it does not run "
                "with DEBUG off. Pass --force to load the demo anyway (users that already "
                "exist are left exactly as they are)."
            )
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
        """The demo logins and team PLAT with their roles, set through the services as the
        admin user (a superuser) would in the Django admin.

        Only missing users are created (with the demo password) and only they get a role in
        PLAT: a user that already exists keeps its password, flags and memberships, so that
        running this against a real database can never hand out the published password or
        superuser rights."""
        users, created = {}, set()
        for username, name, _role in [*PEOPLE, ("admin", "Admin", None)]:
            first, _, last = name.partition(" ")
            user, is_new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": username == "admin",
                    "is_superuser": username == "admin",
                },
            )
            if is_new:
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
                created.add(username)
            users[username] = user
        admin = users["admin"]
        team = Team.objects.filter(key="PLAT").first()
        if team is None:
            if not admin.is_superuser:
                raise CommandError(
                    "The user “admin” exists and is not a superuser; seed_demo leaves it as it "
                    "is, so it cannot create the demo team."
                )
            team = services.team_create(
                actor=admin, key="PLAT", name="Platform", time_zone="Europe/Berlin"
            )
        for username, _name, role in PEOPLE:
            if username in created:
                services.membership_set(team=team, actor=admin, user=users[username], role=role)
        if not team.initiatives.exists():
            outside = [
                u for u, _n, _r in PEOPLE if not users[u].memberships.filter(team=team).exists()
            ]
            if outside:
                raise CommandError(
                    f"These users already exist and are not in team PLAT: {', '.join(outside)}. "
                    "seed_demo never changes an existing user, so the demo was not loaded."
                )
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
        for initiative in Initiative.objects.filter(team=self.team):
            self.backdate(initiative)
        intake_demo.seed(self.team, u)  # a rotation and a few requests (intake)
        goals_demo.seed(self.team, u)  # two goals, their key results and check-ins (goals)

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
            actor=self.u["erin"],  # a date in the past is history: only an EM imports it
            title="Pilot on one team",
            due_date=self.day(-20),
            scope="One team uses it for real work.",
            backfill=True,
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
            evidence_of: dict[str, str] = {
                Evidence.URL: f"https://docs.example.com/{initiative.key.lower()}/{item.pk}",
                Evidence.TEXT: "Reviewed with the team; details in the RFC.",
            }
            evidence = evidence_of.get(item.evidence, "")
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
        end = ARC_ENDS_WEEKS_AGO.get(initiative.title, 0)
        for weeks_ago, health in zip(range(len(arc) - 1 + end, end - 1, -1), arc, strict=True):
            when = now - dt.timedelta(weeks=weeks_ago)
            update = services.status_update_post(
                initiative=initiative,
                actor=initiative.dri,
                health=health,
                now=when,
                progress=f"Week {len(arc) + end - weeks_ago}: steady progress on the current "
                "milestone.",
                risks=""
                if health == Health.ON_TRACK
                else "Waiting on the network team's change window.",
                next_week="Finish the pilot checklist and review with the EM.",
            )
            StatusUpdate.objects.filter(pk=update.pk).update(created_at=when, updated_at=when)

    def backdate(self, initiative: Any) -> None:
        """Move the initiative's history into the past along ``TIMELINE``: each change of state
        on its day, the events between two changes spread evenly over that stretch (status
        updates keep their week), and every timestamp derived from an event (creation, state
        change, milestone start and completion, slip, task closure, checklist decision)
        copied from it. The audit log is append-only: only ``audit.maintenance`` may move
        its times (and reseal its chains)."""
        now = timezone.now()
        starts = [now - dt.timedelta(days=d) for d in TIMELINE[initiative.title]]
        events = list(initiative.activity.order_by("pk"))
        posted = dict(
            StatusUpdate.objects.filter(initiative=initiative).values_list("pk", "created_at")
        )
        phases: list[list[ActivityEvent]] = []
        for event in events:
            if event.verb in BOUNDARY_VERBS:
                phases.append([event])
            elif event.verb != "status_update.posted":
                phases[-1].append(event)
        assert len(phases) == len(starts), f"TIMELINE of {initiative.title} does not match"
        when: dict[int, dt.datetime] = {}
        for phase, start, end in zip(phases, starts, [*starts[1:], now], strict=True):
            step = (end - start) / len(phase)
            for i, event in enumerate(phase):
                when[event.pk] = start + step * i
        for event in events:
            if event.verb == "status_update.posted":
                when[event.pk] = posted[event.target_id]
        rewrite_times(when)

        def times(target_type: str, pk: int, verb: str = "") -> list[dt.datetime]:
            """When the events about one object (only ``verb`` if given) now happened."""
            return sorted(
                when[e.pk]
                for e in events
                if e.target_type == target_type and e.target_id == pk and e.verb.startswith(verb)
            )

        Initiative.objects.filter(pk=initiative.pk).update(
            created_at=starts[0], state_changed_at=starts[-1], updated_at=max(when.values())
        )
        for milestone in Milestone.objects.filter(initiative=initiative):
            history = times("milestone", milestone.pk)
            started = times("milestone", milestone.pk, "milestone.started")
            completed = times("milestone", milestone.pk, "milestone.completed")
            Milestone.objects.filter(pk=milestone.pk).update(
                created_at=history[0],
                updated_at=history[-1],
                started_at=started[-1] if started else None,
                completed_at=completed[-1] if completed else None,
            )
            slipped = times("milestone", milestone.pk, "milestone.slipped")
            for slip, at in zip(milestone.slips.order_by("pk"), slipped, strict=True):
                MilestoneSlip.objects.filter(pk=slip.pk).update(created_at=at)
        for task in Task.objects.filter(initiative=initiative):
            history = times("task", task.pk)
            Task.objects.filter(pk=task.pk).update(
                created_at=history[0],
                updated_at=history[-1],
                closed_at=history[-1] if task.closed_at else None,
            )
        for item in ChecklistItem.objects.filter(initiative=initiative, decided_at__isnull=False):
            decided = times("checklistitem", item.pk)
            ChecklistItem.objects.filter(pk=item.pk).update(
                decided_at=decided[-1] if decided else starts[0]
            )
