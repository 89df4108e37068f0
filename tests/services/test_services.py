"""Services: milestone and task rules, weekly updates, numbering, roles, audit and versions."""

import datetime as dt

import pytest
import time_machine

from initiatives import services
from initiatives.models import (
    ActivityEvent,
    AppendOnlyError,
    Initiative,
    MilestoneSlip,
    MilestoneState,
    State,
    StatusUpdate,
    TaskState,
)
from initiatives.rules.exceptions import (
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
    StaleWrite,
    ValidationFailed,
)
from initiatives.rules.workflow import is_stale
from tests.factories import TeamFactory, make_initiative, make_milestone, member


def in_state(initiative, state):
    paused_from = State.SCOPING if state == State.PAUSED else ""
    Initiative.objects.filter(pk=initiative.pk).update(state=state, paused_from=paused_from)
    initiative.refresh_from_db()
    return initiative


# --- Numbering and creation ------------------------------------------------------------------


def test_initiatives_are_numbered_per_team(team, people):
    first = make_initiative(team, people["dri"])
    second = make_initiative(team, people["dri"])
    other_team = TeamFactory(key="OPS")
    other = make_initiative(other_team, member(other_team, "engineer"))
    assert (first.key, second.key, other.key) == ("PLAT-1", "PLAT-2", "OPS-1")
    assert Initiative.objects.by_key("plat-2").get() == second
    assert not Initiative.objects.by_key("nonsense").exists()


def test_viewers_and_outsiders_cannot_create(team, people):
    with pytest.raises(NotAllowed):
        make_initiative(team, people["viewer"])
    with pytest.raises(NotFound):
        make_initiative(team, people["outsider"])
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"design_doc_url": "not a url"}, "design_doc_url"),
        ({"security_risk": "extreme"}, "security_risk"),
    ],
)
def test_bad_input_names_the_field(team, people, kwargs, field):
    with pytest.raises(ValidationFailed) as refused:
        services.initiative_create(team=team, actor=people["dri"], **{"title": "T", **kwargs})
    assert field in refused.value.fields
    assert not Initiative.objects.exists()


def test_dri_must_be_a_contributor_of_the_team(team, people):
    with pytest.raises(ValidationFailed) as refused:
        services.initiative_create(team=team, actor=people["em"], title="T", dri=people["outsider"])
    assert "dri" in refused.value.fields


# --- Roles on initiative writes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("dri", True), ("em", True), ("pm", True), ("engineer", False), ("viewer", False)],
)
def test_who_may_edit_and_move_an_initiative(initiative, people, name, allowed):
    if allowed:
        services.initiative_update(
            initiative=initiative, actor=people[name], changes={"title": "X"}
        )
        services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people[name])
    else:
        with pytest.raises(NotAllowed):
            services.initiative_update(
                initiative=initiative, actor=people[name], changes={"title": "X"}
            )
        with pytest.raises(NotAllowed):
            services.initiative_transition(
                initiative=initiative, to=State.SCOPING, actor=people[name]
            )
        assert Initiative.objects.get(pk=initiative.pk).state == State.DISCOVERY


def test_outsiders_get_not_found_rather_than_forbidden(initiative, people):
    with pytest.raises(NotFound):
        services.initiative_transition(
            initiative=initiative, to=State.SCOPING, actor=people["outsider"]
        )


def test_cancelling_needs_a_reason(initiative, people):
    with pytest.raises(ValidationFailed) as refused:
        services.initiative_transition(
            initiative=initiative, to=State.CANCELLED, actor=people["dri"]
        )
    assert refused.value.code == "reason_required"
    moved = services.initiative_transition(
        initiative=initiative, to=State.CANCELLED, actor=people["dri"], reason="Budget cut"
    )
    assert moved.cancel_reason == "Budget cut"
    with pytest.raises(Conflict):
        services.initiative_update(initiative=moved, actor=people["dri"], changes={"title": "Y"})


def test_reopening_a_done_initiative_needs_an_em_and_a_reason(initiative, people):
    in_state(initiative, State.DONE)
    with pytest.raises(NotAllowed):
        services.initiative_transition(
            initiative=initiative, to=State.IN_DELIVERY, actor=people["dri"], reason="Bug"
        )
    with pytest.raises(ValidationFailed):
        services.initiative_transition(
            initiative=initiative, to=State.IN_DELIVERY, actor=people["em"]
        )
    moved = services.initiative_transition(
        initiative=initiative, to=State.IN_DELIVERY, actor=people["em"], reason="Rollback found"
    )
    assert moved.state == State.IN_DELIVERY


def test_override_flag_on_an_ungated_move_is_refused(initiative, people):
    with pytest.raises(InvalidTransition):
        services.initiative_transition(
            initiative=initiative, to=State.SCOPING, actor=people["em"], override=True, reason="r"
        )


def test_stale_version_is_refused_and_changes_nothing(initiative, people):
    version = initiative.version
    services.initiative_update(
        initiative=initiative,
        actor=people["dri"],
        changes={"title": "First"},
        expected_version=version,
    )
    with pytest.raises(StaleWrite):
        services.initiative_update(
            initiative=initiative,
            actor=people["em"],
            changes={"title": "Second"},
            expected_version=version,
        )
    assert Initiative.objects.get(pk=initiative.pk).title == "First"


def test_unknown_fields_are_refused(initiative, people):
    with pytest.raises(ValidationFailed) as refused:
        services.initiative_update(
            initiative=initiative, actor=people["dri"], changes={"state": "done"}
        )
    assert "state" in refused.value.fields


# --- Milestones ------------------------------------------------------------------------------


def test_milestone_starts_only_while_the_initiative_is_in_delivery(initiative, people):
    milestone = make_milestone(initiative, people["dri"])
    for state in (State.DISCOVERY, State.SCOPING, State.READY, State.PAUSED):
        in_state(initiative, state)
        with pytest.raises(Conflict, match="in delivery"):
            services.milestone_transition(
                milestone=milestone, actor=people["dri"], to=MilestoneState.IN_PROGRESS
            )
    in_state(initiative, State.IN_DELIVERY)
    started = services.milestone_transition(
        milestone=milestone, actor=people["dri"], to=MilestoneState.IN_PROGRESS
    )
    assert started.state == MilestoneState.IN_PROGRESS and started.started_at


def test_milestone_completes_only_when_all_its_tasks_are_closed(initiative, people):
    in_state(initiative, State.IN_DELIVERY)
    milestone = make_milestone(initiative, people["dri"])
    done = services.task_create(
        initiative=initiative, actor=people["dri"], title="A", milestone=milestone
    )
    open_ = services.task_create(
        initiative=initiative, actor=people["dri"], title="B", milestone=milestone
    )
    services.task_update(task=done, actor=people["dri"], changes={"state": TaskState.DONE})
    services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    with pytest.raises(Conflict) as refused:
        services.milestone_transition(milestone=milestone, actor=people["dri"], to="done")
    assert refused.value.data["open_tasks"] == ["B"]
    services.task_update(task=open_, actor=people["engineer"], changes={"state": TaskState.WONT_DO})
    completed = services.milestone_transition(milestone=milestone, actor=people["dri"], to="done")
    assert completed.state == MilestoneState.DONE
    # A completed milestone keeps no open task.
    with pytest.raises(Conflict, match="complete"):
        services.task_update(task=open_, actor=people["dri"], changes={"state": TaskState.TODO})


def test_every_date_change_is_a_slip_and_started_ones_need_a_reason(initiative, people):
    milestone = make_milestone(initiative, people["dri"], days=10)
    original = milestone.due_date
    services.milestone_update(
        milestone=milestone, actor=people["dri"], changes={"due_date": original + dt.timedelta(3)}
    )
    in_state(initiative, State.IN_DELIVERY)
    services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    with pytest.raises(ValidationFailed) as refused:
        services.milestone_update(
            milestone=milestone,
            actor=people["dri"],
            changes={"due_date": original + dt.timedelta(9)},
        )
    assert refused.value.code == "slip_reason_required"
    services.milestone_update(
        milestone=milestone,
        actor=people["dri"],
        changes={"due_date": original + dt.timedelta(9)},
        slip_reason="Vendor delay",
    )
    slips = list(MilestoneSlip.objects.filter(milestone=milestone).order_by("pk"))
    assert [(s.days, s.reason) for s in slips] == [(3, ""), (6, "Vendor delay")]
    assert ActivityEvent.objects.filter(verb="milestone.slipped").count() == 2


def test_milestone_needs_a_delivery_date(initiative, people):
    with pytest.raises(ValidationFailed) as refused:
        services.milestone_create(
            initiative=initiative, actor=people["dri"], title="M", due_date=None
        )
    assert "due_date" in refused.value.fields


def test_viewers_cannot_plan_milestones(initiative, people):
    with pytest.raises(NotAllowed):
        make_milestone(initiative, people["viewer"])


# --- Tasks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.DISCOVERY, State.SCOPING])
def test_delivery_tasks_need_a_ready_initiative(initiative, people, state):
    in_state(initiative, state)
    milestone = make_milestone(initiative, people["dri"])
    with pytest.raises(Conflict) as refused:
        services.task_create(
            initiative=initiative, actor=people["dri"], title="Build", milestone=milestone
        )
    assert refused.value.code == "initiative_not_ready"
    scoping_task = services.task_create(initiative=initiative, actor=people["dri"], title="Spike")
    with pytest.raises(Conflict):
        services.task_update(
            task=scoping_task, actor=people["dri"], changes={"milestone": milestone}
        )
    assert scoping_task.milestone is None


def test_adding_work_to_a_started_milestone_is_a_scope_change(initiative, people):
    in_state(initiative, State.IN_DELIVERY)
    milestone = make_milestone(initiative, people["dri"])
    before = services.task_create(
        initiative=initiative, actor=people["dri"], title="A", milestone=milestone
    )
    services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    milestone.refresh_from_db()
    after = services.task_create(
        initiative=initiative, actor=people["dri"], title="B", milestone=milestone
    )
    assert (before.scope_change, after.scope_change) == (False, True)
    event = ActivityEvent.objects.filter(verb="task.created").latest("pk")
    assert event.after["scope_change"] is True and "scope change" in event.summary


def test_task_assignee_must_be_a_contributor(initiative, people):
    with pytest.raises(ValidationFailed):
        services.task_create(
            initiative=initiative, actor=people["dri"], title="T", assignee=people["outsider"]
        )
    task = services.task_create(
        initiative=initiative, actor=people["engineer"], title="T", assignee=people["engineer"]
    )
    moved = services.task_update(task=task, actor=people["engineer"], changes={"state": "done"})
    assert moved.closed_at is not None
    with pytest.raises(NotAllowed):
        services.task_update(task=task, actor=people["viewer"], changes={"state": "todo"})


def test_task_with_stale_version_is_refused(initiative, people):
    task = services.task_create(initiative=initiative, actor=people["dri"], title="T")
    services.task_update(task=task, actor=people["dri"], changes={"title": "U"}, expected_version=1)
    with pytest.raises(StaleWrite):
        services.task_update(
            task=task, actor=people["dri"], changes={"title": "V"}, expected_version=1
        )


# --- Weekly updates --------------------------------------------------------------------------


@pytest.mark.parametrize("health", ["at_risk", "off_track"])
def test_update_not_on_track_must_say_what_the_risks_are(initiative, people, health):
    with pytest.raises(ValidationFailed) as refused:
        services.status_update_post(
            initiative=initiative, actor=people["dri"], health=health, risks="  "
        )
    assert "risks" in refused.value.fields
    assert not StatusUpdate.objects.exists()


def test_second_post_in_a_week_revises_and_keeps_history(initiative, people):
    first = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="on_track", progress="Kickoff"
    )
    second = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="at_risk", risks="Vendor late"
    )
    assert first.pk == second.pk and second.revision == 2
    assert StatusUpdate.objects.count() == 1
    assert list(second.revisions.values_list("health", "progress")) == [("on_track", "Kickoff")]
    stored = Initiative.objects.get(pk=initiative.pk)
    assert stored.health == "at_risk" and stored.last_update_week == second.week
    assert [
        e.verb
        for e in ActivityEvent.objects.filter(verb__startswith="status_update").order_by("pk")
    ] == [
        "status_update.posted",
        "status_update.revised",
    ]


def test_week_is_the_iso_week_in_the_team_time_zone(team, people):
    team.time_zone = "Pacific/Auckland"
    team.save()
    initiative = make_initiative(team, people["dri"])
    # Sunday 2026-11-22 20:00 UTC is already Monday 2026-11-23 in Auckland (week 48).
    with time_machine.travel(dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.UTC), tick=False):
        update = services.status_update_post(
            initiative=initiative, actor=people["dri"], health="on_track"
        )
    assert update.week == "2026-W48"


def test_updates_only_for_this_week_or_last(initiative, people):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        for week in ("2026-W46", "2026-W49", "2026-W4x"):
            with pytest.raises(ValidationFailed):
                services.status_update_post(
                    initiative=initiative, actor=people["dri"], health="on_track", week=week
                )
        late = services.status_update_post(
            initiative=initiative, actor=people["dri"], health="on_track", week="2026-W47"
        )
    assert late.week == "2026-W47"


@pytest.mark.parametrize("name", ["engineer", "pm", "viewer", "security"])
def test_only_dri_or_em_post_the_update(initiative, people, name):
    with pytest.raises(NotAllowed):
        services.status_update_post(initiative=initiative, actor=people[name], health="on_track")


@pytest.mark.parametrize(
    ("state", "last", "created", "current", "stale"),
    [
        ("in_delivery", "2026-W45", "2026-W40", "2026-W48", True),
        ("in_delivery", "2026-W46", "2026-W40", "2026-W48", False),
        ("in_delivery", "", "2026-W45", "2026-W48", True),
        ("in_delivery", "", "2026-W46", "2026-W48", False),
        ("paused", "2026-W30", "2026-W20", "2026-W48", False),
        ("done", "", "2026-W20", "2026-W48", False),
        ("scoping", "2025-W51", "2025-W40", "2026-W02", True),
    ],
)
def test_stale_after_two_missed_weeks(state, last, created, current, stale):
    assert (
        is_stale(state=state, last_update_week=last, created_week=created, current_week=current)
        is stale
    )


# --- Audit -----------------------------------------------------------------------------------


def test_every_write_records_exactly_one_event(initiative, people):
    in_state(initiative, State.IN_DELIVERY)
    writes = [
        lambda: services.initiative_update(
            initiative=initiative, actor=people["dri"], changes={"summary": "S"}
        ),
        lambda: services.initiative_person_add(
            initiative=initiative, actor=people["dri"], user=people["engineer"], kind="member"
        ),
        lambda: make_milestone(initiative, people["dri"]),
        lambda: services.task_create(initiative=initiative, actor=people["dri"], title="T"),
        lambda: services.status_update_post(
            initiative=initiative, actor=people["dri"], health="on_track"
        ),
    ]
    for write in writes:
        before = ActivityEvent.objects.count()
        write()
        assert ActivityEvent.objects.count() == before + 1


def test_activity_events_are_append_only(initiative):
    event = ActivityEvent.objects.get(verb="initiative.created")
    event.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_membership_changes_are_audited_and_em_only(team, people):
    newcomer = member(TeamFactory(key="NEW"), "engineer", "newcomer")
    with pytest.raises(NotAllowed):
        services.membership_set(team=team, actor=people["dri"], user=newcomer, role="engineer")
    services.membership_set(team=team, actor=people["em"], user=newcomer, role="viewer")
    services.membership_set(team=team, actor=people["em"], user=newcomer, role="engineer")
    services.membership_remove(team=team, actor=people["em"], user=newcomer)
    verbs = list(ActivityEvent.objects.filter(team=team).values_list("verb", flat=True))
    assert sorted(verbs) == ["team.member_added", "team.member_removed", "team.role_changed"]
