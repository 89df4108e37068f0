"""A small fixed portfolio whose every figure is computed by hand in the tests.

Times are UTC; the team is in UTC. ``NOW`` is Wednesday 2026-03-04 12:00 (week 2026-W10).

- A "Alpha" (PLAT-1): created Jan 5 09:00, scoping Jan 7, ready by EM override Jan 17,
  in delivery Jan 20, done by override Feb 19. Updates W05 on track, W06 off track.
  Milestone "A launch" (due Feb 13) started Jan 21, completed Feb 9 09:00: from then on A
  was ready to be closed, so it waited 10 days at the DoD (not its 30 days in delivery).
  "Context behind the project" ticked Jan 6 09:00; "Cost projection" waived Jan 8.
- B "Bravo" (PLAT-2): created Dec 1 2025 09:00, scoping Dec 5, ready by override Dec 11,
  in delivery Dec 12, paused Dec 22, resumed Jan 1, done by override Jan 28.
- C "Charlie" (PLAT-3): created Jan 10 09:00, scoping Jan 12, ready by override Jan 20,
  in delivery Jan 25. Milestone "C pilot" due Feb 20 (overdue), "C GA" due Mar 10, started
  Feb 2, slipped on Feb 25 to Mar 16. Tasks: one to the engineer moved to in progress
  Feb 1, one to the DRI still to do. Updates W08 on track, W10 on track (so: on track but drifting).
- D "Delta" (PLAT-4): created Feb 2 09:00, scoping Feb 4. "Business impact" ticked Feb 3
  09:00, "Context behind the project" ticked Feb 12 09:00, "Cost projection" waived Feb 10
  09:00, "MVP definition" waived Feb 10 10:00. Updates W08 on track, W09 at risk.
- E "Echo" (PLAT-5): created Feb 20, still in discovery.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from initiatives import services
from initiatives.models import ChecklistItem, MilestoneState, State, TaskState
from tests.factories import make_initiative

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=UTC)


def item(initiative, text: str, kind: str = "ready") -> ChecklistItem:
    return ChecklistItem.objects.get(initiative=initiative, kind=kind, text=text)


@pytest.fixture
def portfolio(team, people):
    dri, em, eng = people["dri"], people["em"], people["engineer"]
    with time_machine.travel(at(1, 5), tick=False) as clock:

        def move(initiative, to, when, **kwargs):
            clock.move_to(when)
            return services.initiative_transition(initiative=initiative, to=to, actor=em, **kwargs)

        def override(initiative, to, when):
            return move(initiative, to, when, override=True, reason="Deadline agreed with VP")

        def post(initiative, health, when, risks=""):
            clock.move_to(when)
            services.status_update_post(
                initiative=initiative, actor=dri, health=health, risks=risks, now=when
            )

        # A
        clock.move_to(at(1, 5))
        a = make_initiative(team, dri, title="Alpha")
        clock.move_to(at(1, 6))
        services.checklist_item_tick(item=item(a, "Context behind the project"), actor=dri)
        move(a, State.SCOPING, at(1, 7))
        clock.move_to(at(1, 8))
        services.checklist_item_waive(item=item(a, "Cost projection"), actor=dri, reason="tiny")
        override(a, State.READY, at(1, 17))
        move(a, State.IN_DELIVERY, at(1, 20))
        launch = services.milestone_create(
            initiative=a, actor=dri, title="A launch", due_date=dt.date(2026, 2, 13)
        )
        clock.move_to(at(1, 21))
        services.milestone_transition(milestone=launch, actor=dri, to=MilestoneState.IN_PROGRESS)
        clock.move_to(at(2, 9))
        services.milestone_transition(milestone=launch, actor=dri, to=MilestoneState.DONE)
        post(a, "on_track", at(1, 28))
        post(a, "off_track", at(2, 4), risks="Vendor API rate limits")
        override(a, State.DONE, at(2, 19))

        # B
        clock.move_to(at(12, 1, year=2025))
        b = make_initiative(team, dri, title="Bravo")
        move(b, State.SCOPING, at(12, 5, year=2025))
        override(b, State.READY, at(12, 11, year=2025))
        move(b, State.IN_DELIVERY, at(12, 12, year=2025))
        move(b, State.PAUSED, at(12, 22, year=2025))
        move(b, State.IN_DELIVERY, at(1, 1))
        override(b, State.DONE, at(1, 28))

        # C
        clock.move_to(at(1, 10))
        c = make_initiative(team, dri, title="Charlie")
        move(c, State.SCOPING, at(1, 12))
        pilot = services.milestone_create(
            initiative=c, actor=dri, title="C pilot", due_date=dt.date(2026, 2, 20)
        )
        ga = services.milestone_create(
            initiative=c, actor=dri, title="C GA", due_date=dt.date(2026, 3, 10)
        )
        override(c, State.READY, at(1, 20))
        move(c, State.IN_DELIVERY, at(1, 25))
        started = services.task_create(
            initiative=c, actor=dri, title="Build", milestone=pilot, assignee=eng
        )
        services.task_create(initiative=c, actor=dri, title="Test", milestone=pilot, assignee=dri)
        clock.move_to(at(2, 1))
        services.task_update(task=started, actor=dri, changes={"state": TaskState.IN_PROGRESS})
        clock.move_to(at(2, 2))
        services.milestone_transition(milestone=ga, actor=dri, to=MilestoneState.IN_PROGRESS)
        post(c, "on_track", at(2, 17))
        clock.move_to(at(2, 25, 12))
        services.milestone_update(
            milestone=ga,
            actor=dri,
            changes={"due_date": dt.date(2026, 3, 16)},
            slip_reason="Vendor delay",
        )
        post(c, "on_track", at(3, 2))

        # D
        clock.move_to(at(2, 2))
        d = make_initiative(team, dri, title="Delta")
        clock.move_to(at(2, 3))
        services.checklist_item_tick(item=item(d, "Business impact"), actor=dri)
        move(d, State.SCOPING, at(2, 4))
        clock.move_to(at(2, 10))
        services.checklist_item_waive(item=item(d, "Cost projection"), actor=dri, reason="tiny")
        clock.move_to(at(2, 10, 10))
        services.checklist_item_waive(item=item(d, "MVP definition"), actor=dri, reason="no MVP")
        clock.move_to(at(2, 12))
        services.checklist_item_tick(item=item(d, "Context behind the project"), actor=dri)
        post(d, "on_track", at(2, 17))
        post(d, "at_risk", at(2, 24), risks="Vendor contract unsigned")

        # E
        clock.move_to(at(2, 20))
        e = make_initiative(team, dri, title="Echo")

        clock.move_to(NOW)
        yield SimpleNamespace(a=a, b=b, c=c, d=d, e=e, pilot=pilot, ga=ga, team=team)
