"""A large dataset for the benchmark (``make bench``), written with bulk inserts.

Defaults: 20 teams, 200 users, 1,000 initiatives over every state, 5,000 milestones with
slips, 50,000 tasks, 26 weeks of status updates, full DoR/DoD checklists and 200,000 activity
events. ``--scale 0.01`` gives a tiny dataset for the smoke run.

The one bulk seed path: it bypasses the services on purpose (speed: a million rows in
minutes, into an empty database only) and writes synthetic audit events in bulk instead of
the ones the services would record. What it writes respects the same invariants (numbers, one
update per week, completed milestones have no open task, ready/done initiatives have their
gates met), and it rolls the stored gate progress up with the services' own
``store_all_gate_progress``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from initiatives.audit.chain import seal
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    ChecklistTemplate,
    Health,
    Initiative,
    ItemStatus,
    Membership,
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
from initiatives.rules.checklists import SNAPSHOT_FIELDS
from initiatives.rules.workflow import iso_week
from initiatives.services.checklists import store_all_gate_progress

User = get_user_model()
PASSWORD = "bench-password"
BATCH = 5000

# Share of initiatives per state (sums to 1).
STATE_MIX = [
    (State.DISCOVERY, 0.08),
    (State.SCOPING, 0.14),
    (State.READY, 0.10),
    (State.IN_DELIVERY, 0.38),
    (State.DONE, 0.20),
    (State.PAUSED, 0.05),
    (State.CANCELLED, 0.05),
]
ROLE_CYCLE = [Role.ENGINEER] * 5 + [Role.EM, Role.PM, Role.SECURITY, Role.LEGAL, Role.VIEWER]
VERBS = [
    "task.moved",
    "task.created",
    "checklist_item.ticked",
    "status_update.posted",
    "milestone.slipped",
    "initiative.updated",
]


class Command(BaseCommand):
    help = "Seed the benchmark's scale dataset with bulk inserts (into an empty database)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, scale: float, seed: int, **options: Any) -> None:
        started = time.monotonic()
        with transaction.atomic():
            counts = Seeder(scale=scale, rng=random.Random(seed)).run()
        if connection.vendor == "postgresql":
            # Fresh planner statistics, as autovacuum would gather them soon after a bulk load:
            # without them the planner guesses row counts and picks poor plans.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = time.monotonic() - started
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(f"seeded in {seconds:.1f} s: {summary}")


class Seeder:
    def __init__(self, *, scale: float, rng: random.Random):
        self.rng = rng
        self.n_teams = max(2, round(20 * scale))
        self.n_users = max(12, round(200 * scale))
        self.n_initiatives = max(10, round(1000 * scale))
        self.milestones_per = 5
        self.tasks_per = 50
        self.weeks = 26
        self.n_events = max(200, round(200_000 * scale))
        self.now = timezone.now()
        self.today = timezone.localdate()

    def run(self) -> dict[str, int]:
        teams = Team.objects.bulk_create(
            Team(key=f"B{i:02d}", name=f"Bench team {i}", time_zone="UTC")
            for i in range(self.n_teams)
        )
        password = make_password(PASSWORD)
        users = User.objects.bulk_create(
            User(username=f"bench{i}", email=f"bench{i}@example.com", password=password)
            for i in range(self.n_users)
        )
        memberships, by_team = self._memberships(teams, users)
        Membership.objects.bulk_create(memberships)
        initiatives = self._initiatives(teams, by_team)
        self._people(initiatives, by_team)
        items = self._checklists(initiatives)
        milestones = self._milestones(initiatives)
        tasks = self._tasks(initiatives, milestones, by_team)
        updates = self._updates(initiatives, milestones)
        events = self._events(initiatives)
        # Bulk inserts bypass the services: roll the gate progress up as they would have.
        store_all_gate_progress(i.pk for i in initiatives)
        return {
            "teams": len(teams),
            "users": len(users),
            "initiatives": len(initiatives),
            "milestones": len(milestones),
            "tasks": tasks,
            "checklist items": items,
            "status updates": updates,
            "activity events": events,
        }

    def _memberships(
        self, teams: list[Team], users: list[Any]
    ) -> tuple[list[Membership], dict[int, dict[str, list[Any]]]]:
        """Every user in one home team; each team gets every role."""
        memberships: list[Membership] = []
        by_team: dict[int, dict[str, list[Any]]] = {
            t.pk: {r: [] for r in Role.values} for t in teams
        }
        for i, user in enumerate(users):
            team = teams[i % len(teams)]
            role = ROLE_CYCLE[(i // len(teams)) % len(ROLE_CYCLE)]
            memberships.append(Membership(team=team, user=user, role=role))
            by_team[team.pk][role].append(user)
        for team in teams:  # small scales: make sure each team has an EM and an engineer
            for role in (Role.ENGINEER, Role.EM, Role.SECURITY):
                if not by_team[team.pk][role]:
                    user = users[self.rng.randrange(len(users))]
                    memberships.append(Membership(team=team, user=user, role=role))
                    by_team[team.pk][role].append(user)
        return memberships, by_team

    def _initiatives(self, teams, by_team) -> list[Initiative]:
        rows, numbers = [], dict.fromkeys((t.pk for t in teams), 0)
        states = [s for s, share in STATE_MIX for _ in range(round(share * 100))]
        # The first team is the largest (a third of everything): the benchmark's "largest team".
        weights = [len(teams)] + [1] * (len(teams) - 1)
        for i in range(self.n_initiatives):
            team = self.rng.choices(teams, weights=weights)[0]
            numbers[team.pk] += 1
            # A stride coprime with 100 spreads the states even over a tiny dataset.
            state = states[(i * 37) % len(states)]
            engineers = by_team[team.pk][Role.ENGINEER]
            created_at = self.now - dt.timedelta(days=self.rng.randint(30, 400))
            rows.append(
                Initiative(
                    team=team,
                    number=numbers[team.pk],
                    rank=numbers[team.pk],
                    title=f"Initiative {i}: {self.rng.choice(['Migrate', 'Harden', 'Automate'])} "
                    f"{self.rng.choice(['CI', 'clusters', 'DNS', 'secrets', 'billing'])}",
                    summary="Benchmark initiative.",
                    dri=engineers[i % len(engineers)],
                    design_doc_url="https://docs.example.com/rfc",
                    state=state,
                    paused_from=State.IN_DELIVERY if state == State.PAUSED else "",
                    cancel_reason="Deprioritised" if state == State.CANCELLED else "",
                    security_risk=self.rng.choice(["low", "medium", "high"]),
                    health=self.rng.choice(Health.values) if state != State.DISCOVERY else "",
                    last_update_week=iso_week(self.today) if state != State.DISCOVERY else "",
                    created_at=created_at,
                    state_changed_at=created_at + dt.timedelta(days=10),
                )
            )
        for team in teams:
            team.next_number = numbers[team.pk] + 1
        Team.objects.bulk_update(teams, ["next_number"])
        # auto_now_add overwrites created_at on the very objects bulk_create is given: keep
        # the spread aside and put it back.
        spread = [row.created_at for row in rows]
        created = Initiative.objects.bulk_create(rows, batch_size=BATCH)
        for row, created_at in zip(created, spread, strict=True):
            row.created_at = created_at
        Initiative.objects.bulk_update(created, ["created_at"], batch_size=BATCH)
        for row in created:
            row.team = next(t for t in teams if t.pk == row.team_id)
        return created

    def _people(self, initiatives, by_team) -> None:
        members, stakeholders = Initiative.members.through, Initiative.stakeholders.through
        member_rows, stakeholder_rows = [], []
        for initiative in initiatives:
            roles = by_team[initiative.team_id]
            for user in roles[Role.ENGINEER][:3]:
                member_rows.append(members(initiative_id=initiative.pk, user_id=user.pk))
            pm = (roles[Role.PM] or roles[Role.EM])[0]
            stakeholder_rows.append(stakeholders(initiative_id=initiative.pk, user_id=pm.pk))
        members.objects.bulk_create(member_rows, batch_size=BATCH, ignore_conflicts=True)
        stakeholders.objects.bulk_create(stakeholder_rows, batch_size=BATCH, ignore_conflicts=True)

    def _checklists(self, initiatives) -> int:
        templates = ChecklistTemplate.objects.filter(team__isnull=True).prefetch_related(
            "sections__items"
        )
        specs = [
            (template, section, spec)
            for template in templates
            for section in template.sections.all()
            for spec in section.items.all()
        ]
        rows = []
        for initiative in initiatives:
            past_ready = initiative.state in (State.READY, State.IN_DELIVERY, State.DONE)
            for template, section, spec in specs:
                met = (template.kind == "ready" and past_ready) or (
                    template.kind == "done" and initiative.state == State.DONE
                )
                partly = initiative.state == State.SCOPING and self.rng.random() < 0.6
                status = ItemStatus.DONE if (met or partly) and not spec.rule else ItemStatus.OPEN
                if spec.signoff_role and spec.rule and status == ItemStatus.OPEN and met:
                    status = ItemStatus.DONE
                rows.append(
                    ChecklistItem(
                        initiative_id=initiative.pk,
                        kind=template.kind,
                        section=section.title,
                        section_position=section.position,
                        status=status,
                        evidence_value="https://docs.example.com/e" if spec.evidence else "",
                        decided_by_id=initiative.dri_id if status == ItemStatus.DONE else None,
                        decided_at=self.now if status == ItemStatus.DONE else None,
                        **{name: getattr(spec, name) for name in SNAPSHOT_FIELDS},
                    )
                )
        ChecklistItem.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    def _milestones(self, initiatives) -> list[Milestone]:
        rows = []
        for initiative in initiatives:
            for m in range(self.milestones_per):
                due = self.today + dt.timedelta(days=self.rng.randint(-60, 120))
                if initiative.state == State.DONE:
                    state = MilestoneState.DONE
                elif initiative.state == State.IN_DELIVERY:
                    state = [MilestoneState.DONE, MilestoneState.IN_PROGRESS][min(m, 1)]
                    state = state if m < 2 else MilestoneState.PLANNED
                else:
                    state = MilestoneState.PLANNED
                rows.append(
                    Milestone(
                        initiative_id=initiative.pk,
                        title=f"Milestone {m + 1}",
                        due_date=due,
                        original_due_date=due - dt.timedelta(days=7 * (m % 3)),
                        state=state,
                        position=m,
                        started_at=self.now if state != MilestoneState.PLANNED else None,
                        completed_at=self.now if state == MilestoneState.DONE else None,
                    )
                )
        milestones = Milestone.objects.bulk_create(rows, batch_size=BATCH)
        slips = [
            MilestoneSlip(
                milestone_id=m.pk,
                old_date=m.original_due_date,
                new_date=m.due_date,
                reason="Dependency late",
            )
            for m in milestones
            if m.original_due_date != m.due_date
        ]
        MilestoneSlip.objects.bulk_create(slips, batch_size=BATCH)
        return milestones

    def _tasks(self, initiatives, milestones, by_team) -> int:
        by_initiative: dict[int, list[Milestone]] = {}
        for milestone in milestones:
            by_initiative.setdefault(milestone.initiative_id, []).append(milestone)
        open_states = [TaskState.TODO, TaskState.IN_PROGRESS, TaskState.IN_REVIEW, TaskState.DONE]
        rows = []
        for initiative in initiatives:
            delivery = initiative.state in (
                State.READY,
                State.IN_DELIVERY,
                State.DONE,
                State.PAUSED,
            )
            engineers = by_team[initiative.team_id][Role.ENGINEER]
            own = by_initiative[initiative.pk]
            for t in range(self.tasks_per):
                milestone = own[t % len(own)] if delivery else None
                closed = initiative.state == State.DONE or (
                    milestone is not None and milestone.state == MilestoneState.DONE
                )
                state = TaskState.DONE if closed else self.rng.choice(open_states)
                rows.append(
                    Task(
                        initiative_id=initiative.pk,
                        milestone_id=milestone.pk if milestone else None,
                        title=f"Task {t + 1}",
                        assignee_id=engineers[t % len(engineers)].pk,
                        state=state,
                        closed_at=self.now if state == TaskState.DONE else None,
                    )
                )
        Task.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    def _updates(self, initiatives, milestones) -> int:
        rows = []
        for initiative in initiatives:
            if initiative.state == State.DISCOVERY:
                continue
            for w in range(self.weeks):
                health = self.rng.choices(Health.values, weights=[6, 3, 1])[0]
                rows.append(
                    StatusUpdate(
                        initiative_id=initiative.pk,
                        week=iso_week(self.today - dt.timedelta(weeks=w)),
                        health=health,
                        progress="Shipped the next slice; **tests green**.",
                        risks="" if health == Health.ON_TRACK else "Waiting on another team.",
                        next_week="Finish the milestone.",
                        author_id=initiative.dri_id,
                    )
                )
        StatusUpdate.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    def _events(self, initiatives) -> int:
        rows = []
        heads: dict[int, str] = {}  # each initiative's hash chain (audit.chain), in id order
        for i in range(self.n_events):
            initiative = initiatives[i % len(initiatives)]
            verb = VERBS[i % len(VERBS)]
            event = ActivityEvent(
                team_id=initiative.team_id,
                initiative_id=initiative.pk,
                actor_id=initiative.dri_id,
                verb=verb,
                summary=f"{verb} on {initiative.team.key}-{initiative.number}",
                after={"n": i},
            )
            seal(event, heads.get(initiative.pk))
            heads[initiative.pk] = event.content_hash
            rows.append(event)
        ActivityEvent.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)
