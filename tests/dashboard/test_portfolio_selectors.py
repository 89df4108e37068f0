"""The portfolio selectors shared with the digest, on small hand-built data."""

import datetime as dt

import pytest
import time_machine

from initiatives import services
from initiatives.models import ActivityEvent, ChecklistItem, State
from initiatives.selectors.portfolio import (
    finished,
    gate_waits,
    milestones_due,
    missing_updates,
    overrides_and_waivers,
)
from tests.factories import make_initiative
from tests.weekly.conftest import move

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # Wednesday of 2026-W10
TODAY = NOW.date()


@pytest.fixture
def travel():
    with time_machine.travel(NOW - dt.timedelta(days=30), tick=False) as traveller:
        yield traveller


def test_missing_updates_lists_active_initiatives_without_this_weeks_update(team, people, travel):
    dri = people["dri"]
    posted = make_initiative(team, dri, title="Posted")
    silent = make_initiative(team, dri, title="Silent")
    make_initiative(team, dri, title="Still in discovery")
    for row in (posted, silent):
        services.initiative_transition(initiative=row, to=State.SCOPING, actor=dri)
    travel.move_to(NOW)
    services.status_update_post(initiative=posted, actor=dri, health="on_track", now=NOW)
    services.status_update_post(
        initiative=silent, actor=dri, health="on_track", week="2026-W09", now=NOW
    )

    rows = missing_updates([team.pk], now=NOW)

    assert [r.initiative.title for r in rows] == ["Silent"]
    assert rows[0].week == "2026-W10"


def test_missing_updates_uses_the_teams_time_zone(team, people, travel):
    team.time_zone = "Pacific/Auckland"  # already Monday 2026-W11 there at Sunday 12:00 UTC
    team.save()
    dri = people["dri"]
    row = make_initiative(team, dri)
    services.initiative_transition(initiative=row, to=State.SCOPING, actor=dri)
    sunday = dt.datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    travel.move_to(sunday)
    services.status_update_post(initiative=row, actor=dri, health="on_track", week="2026-W10")

    assert [r.week for r in missing_updates([team.pk], now=sunday)] == ["2026-W11"]


def test_milestones_due_flags_overdue_and_counts_slips_and_pull_ins_apart(team, people, travel):
    dri = people["dri"]
    row = move(make_initiative(team, dri), people["em"], State.SCOPING, State.READY,
               State.IN_DELIVERY)  # fmt: skip
    late = services.milestone_create(
        initiative=row, actor=dri, title="Late", due_date=TODAY - dt.timedelta(days=10)
    )

    def reschedule(days):
        services.milestone_update(
            milestone=late,
            actor=dri,
            changes={"due_date": TODAY + dt.timedelta(days=days)},
            slip_reason="test",
        )

    reschedule(-12)  # planning: before the milestone started, neither slip nor pull-in
    travel.shift(dt.timedelta(hours=1))
    services.milestone_transition(milestone=late, actor=dri, to="in_progress")
    reschedule(-5)  # slip +7
    reschedule(-8)  # pull-in -3
    reschedule(-1)  # slip +7
    services.milestone_create(
        initiative=row, actor=dri, title="Soon", due_date=TODAY + dt.timedelta(days=14)
    )
    services.milestone_create(
        initiative=row, actor=dri, title="Later", due_date=TODAY + dt.timedelta(days=15)
    )

    rows = milestones_due([team.pk], today=TODAY)

    assert [
        (m.title, m.overdue, m.slip_count, m.slip_days, m.pull_in_count, m.pull_in_days)
        for m in rows
    ] == [("Late", True, 2, 14, 1, 3), ("Soon", False, 0, 0, 0, 0)]
    assert (rows[0].net_days, rows[0].days_left) == (11, -1)
    assert rows[0].committed_date == TODAY - dt.timedelta(days=12)  # the date when it started
    assert rows[0].initiative.team.key == "PLAT"


def test_gate_waits_lists_unmet_gates_with_pending_signoffs(team, people, travel):
    dri = people["dri"]
    scoping = make_initiative(team, dri, title="Scoping")
    services.initiative_transition(initiative=scoping, to=State.SCOPING, actor=dri)
    make_initiative(team, dri, title="Discovery")

    rows = gate_waits([team.pk])

    assert [w.row.title for w in rows] == ["Scoping"]
    gate = rows[0].gate
    assert gate.kind == "ready" and not gate.met
    assert rows[0].pending_signoffs == ["security"]
    assert {i["signoff_role"] for i in gate.missing} == {None, "security"}


def test_overrides_and_waivers_in_window(team, people, travel):
    dri, em = people["dri"], people["em"]
    row = make_initiative(team, dri)
    services.initiative_transition(initiative=row, to=State.SCOPING, actor=dri)
    item = ChecklistItem.objects.filter(initiative=row, kind="ready", rule="").first()
    old = services.checklist_item_waive(item=item, actor=dri, reason="not needed")
    travel.move_to(NOW)
    services.initiative_transition(
        initiative=row, to=State.READY, actor=em, override=True, reason="deadline"
    )

    window = {"since": NOW - dt.timedelta(days=7), "until": NOW + dt.timedelta(seconds=1)}
    rows = overrides_and_waivers([team.pk], **window)

    assert [e.verb for e in rows] == ["initiative.gate_overridden"]
    assert old.status == "waived"
    assert ActivityEvent.objects.filter(verb="checklist_item.waived").count() == 1


def test_finished_in_window(team, people, travel):
    dri, em = people["dri"], people["em"]
    done = make_initiative(team, dri, title="Done")
    for to in (State.SCOPING, State.READY, State.IN_DELIVERY, State.DONE):
        services.initiative_transition(
            initiative=done, to=to, actor=em, override=to in (State.READY, State.DONE), reason="x"
        )
    make_initiative(team, dri, title="Open")

    window = {"since": NOW - dt.timedelta(days=31), "until": NOW}
    assert [r.title for r in finished([team.pk], **window)] == ["Done"]
    assert finished([team.pk], since=NOW - dt.timedelta(days=29), until=NOW) == []
