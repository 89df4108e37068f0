"""The web pages follow the one definition of each shared rule (issue 12): which gate is next,
stale, who may sign off, due soon and contributor. Each test compares what a page or its
selector shows with the rule in ``initiatives.rules`` over a grid of cases, so a page that
kept a copy of its own would disagree somewhere in the grid."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives import services
from initiatives.models import (
    ChecklistItem,
    Initiative,
    ItemStatus,
    Milestone,
    Role,
    SignoffRole,
    State,
)
from initiatives.rules import permissions, workflow
from initiatives.rules.checklists import is_required, stricter_risk
from initiatives.rules.workflow import next_gate, passed_gates
from initiatives.selectors import pages as read
from initiatives.selectors.initiatives import GATE_SHORT_NAMES
from initiatives.selectors.my_work import my_work
from initiatives.web.forms import InitiativeForm, TaskForm
from tests.factories import member

PAUSABLE = (State.DISCOVERY, State.SCOPING, State.READY, State.IN_DELIVERY)
STATES = [(s, "") for s in State.values if s != State.PAUSED] + [
    (State.PAUSED, s) for s in PAUSABLE
]


def _create(team, dri, title="Shared rules", **fields) -> Initiative:
    initiative = services.initiative_create(team=team, actor=dri, dri=dri, title=title)
    if fields:
        Initiative.objects.filter(pk=initiative.pk).update(**fields)
        initiative.refresh_from_db()
    return initiative


# --- Which gate is next ----------------------------------------------------------------------


@pytest.mark.parametrize(("state", "paused_from"), STATES)
def test_board_and_my_work_show_the_next_gate_of_the_workflow(
    client, team, people, state, paused_from
):
    dri = people["dri"]
    _create(team, dri, state=state, paused_from=paused_from)
    gate = workflow.next_gate(state, paused_from=paused_from)
    expected = GATE_SHORT_NAMES[gate] if gate else None

    client.force_login(dri)
    board = client.get(reverse("team-detail", args=[team.key])).content.decode()
    assert re.findall(r'role="img" aria-label="(DoR|DoD) \d+%"', board) == (
        [expected] if expected else []
    )
    # On the way to the DoD the card shows the share of closed tasks too.
    assert ("· tasks " in board) == (expected == "DoD")

    rows = my_work(dri).initiatives.rows
    if state in read.OPEN_STATES:
        (row,) = rows
        assert (row.gate_label.split(" ")[0] if row.gate_label else None) == expected
    else:
        assert rows == []


# --- Stale -----------------------------------------------------------------------------------

# Weeks before the current one: of the last update (None: never) and of the creation.
UPDATE_WEEKS_AGO = (None, 0, 2, 3)
CREATED_WEEKS_AGO = (0, 2, 3, 8)


def test_my_work_and_the_board_call_stale_what_the_workflow_calls_stale(team, people):
    # A time zone far from UTC, so that the week boundaries of the team matter.
    team.time_zone = "Pacific/Kiritimati"
    team.save(update_fields=["time_zone"])
    dri, now = people["dri"], timezone.now()
    current = read.week_in(team, now)
    expected: dict[int, bool] = {}
    for state in (State.SCOPING, State.DISCOVERY, State.PAUSED):
        for updated in UPDATE_WEEKS_AGO:
            for created in CREATED_WEEKS_AGO:
                last = workflow.shift_week(current, -updated) if updated is not None else ""
                created_at = now - dt.timedelta(weeks=created)
                initiative = _create(
                    team,
                    dri,
                    state=state,
                    paused_from=State.IN_DELIVERY if state == State.PAUSED else "",
                    last_update_week=last,
                    created_at=created_at,
                )
                expected[initiative.pk] = workflow.is_stale(
                    state=state,
                    last_update_week=last,
                    created_week=workflow.iso_week(timezone.localtime(created_at, team.tz).date()),
                    current_week=current,
                )
    assert any(expected.values()) and not all(expected.values())

    section = my_work(dri, section="initiatives").initiatives
    assert len(section.rows) == len(expected)
    assert {row.pk: row.stale for row in section.rows} == expected
    # The SQL flag behind the count and the order: nothing is red, so the stale rows come
    # first, exactly as many as counted.
    stale_count = section.counts["stale"]
    assert stale_count == sum(expected.values())
    assert all(expected[row.pk] for row in section.rows[:stale_count])

    board_rows = read.team_table(team, read.BoardFilters(), 1).rows
    assert {row.pk: row.stale for row in board_rows} == expected


# --- Who may sign off ------------------------------------------------------------------------


def _decidable_now(item) -> bool:
    initiative = item.initiative
    if initiative.state == State.PAUSED:
        return False
    gates = {next_gate(initiative.state), *passed_gates(initiative.state)}
    risk = stricter_risk(initiative.security_risk, initiative.security_risk_signed)
    return item.kind in gates and is_required(item, risk)


def test_the_signoff_queue_lists_exactly_what_each_person_may_tick(team, people):
    dri = people["dri"]
    superuser = member(team, Role.ENGINEER, "root")
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    listed_on = _create(team, dri, "Scoping", state=State.SCOPING)
    listed_on.stakeholders.add(people["pm"], people["viewer"], people["engineer"])
    security_drives = _create(team, people["security"], "Delivery", state=State.IN_DELIVERY)
    security_drives.stakeholders.add(people["pm"])
    _create(team, dri, "Finished", state=State.DONE)
    paused = _create(team, dri, "Paused", state=State.PAUSED, paused_from=State.READY)
    paused.stakeholders.add(superuser)
    # The default checklists ask no EM sign-off: make one, so that the EM row of the grid counts.
    ChecklistItem.objects.filter(
        pk=ChecklistItem.objects.filter(
            initiative=listed_on, signoff_role="", rule="", kind="ready", required=True
        )[0].pk
    ).update(signoff_role=SignoffRole.EM)

    items = list(
        ChecklistItem.objects.filter(status=ItemStatus.OPEN, initiative__state__in=read.OPEN_STATES)
        .exclude(signoff_role="")
        .select_related("initiative")
    )
    grid = [*(people[name] for name in people if name != "outsider"), superuser]
    for user in grid:
        actor = permissions.actor_for(user, team)
        # What they may tick that can be decided now (the sign-off queue's rule: README
        # "In-place updates and the page layout").
        may_tick = {
            item.pk
            for item in items
            if permissions.tick_refusal(actor, item, item.initiative) is None
            and _decidable_now(item)
        }
        listed = {row.pk for row in my_work(user, section="signoffs").signoffs.rows}
        assert listed == may_tick, user.username
    # The grid covers both answers for every kind of sign-off.
    assert my_work(people["security"]).signoffs.total > 0
    assert my_work(people["pm"]).signoffs.total > 0
    assert my_work(people["viewer"]).signoffs.total == 0  # a stakeholder, but only a viewer
    assert my_work(people["legal"]).signoffs.total > 0
    assert my_work(people["em"]).signoffs.total == 1


# --- Due soon --------------------------------------------------------------------------------


def test_milestones_due_soon_and_overdue_follow_the_workflow(client, team, people):
    dri = people["dri"]
    initiative = _create(team, dri, state=State.IN_DELIVERY)
    today = timezone.localdate()
    offsets = (-3, -1, 0, 1, workflow.DUE_SOON_DAYS, workflow.DUE_SOON_DAYS + 1, 40)
    status = {}
    for days in offsets:
        due = today + dt.timedelta(days=days)
        milestone = Milestone.objects.create(
            initiative=initiative, title=f"In {days} days", due_date=due, original_due_date=due
        )
        status[milestone.pk] = workflow.due_status(due, today)

    section = my_work(dri).milestones
    assert {row.pk: "overdue" if row.overdue else "due_soon" for row in section.rows} == {
        pk: value for pk, value in status.items() if value
    }
    assert section.counts["overdue"] == list(status.values()).count("overdue")

    client.force_login(dri)
    html = client.get(reverse("my-work")).content.decode()
    assert f"due within {workflow.DUE_SOON_DAYS} days or overdue" in html
    page = client.get(initiative.get_absolute_url()).content.decode()
    for pk, value in status.items():
        row = page.split(f'id="milestone-{pk}"', 1)[1].split("</li>", 1)[0]
        assert ("Overdue · " in row) == (value == "overdue")


# --- Contributor -----------------------------------------------------------------------------


def test_who_may_own_work_and_create_initiatives_is_the_contributor_rule(client, team, people):
    initiative = _create(team, people["dri"])
    memberships = read.team_people(team)
    contributors = {m.user_id for m in memberships if permissions.is_contributor(m.role)}
    assert {u.pk for u in read.contributors(memberships)} == contributors
    dri_choices = InitiativeForm(team=team).fields["dri"].queryset
    assert {u.pk for u in dri_choices} == contributors
    assignees = TaskForm(initiative=initiative).fields["assignee"].queryset
    assert {u.pk for u in assignees} == contributors
    assert people["viewer"].pk not in contributors and people["security"].pk in contributors

    for m in memberships:
        client.force_login(m.user)
        html = client.get(reverse("my-work")).content.decode()
        assert (f"New {team.key} initiative" in html) == (m.user_id in contributors)
