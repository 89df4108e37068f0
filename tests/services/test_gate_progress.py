"""The stored DoR/DoD roll-up (``Initiative.dor_*`` / ``dod_*``) that lists show: every service
write that can change a gate keeps it equal to a fresh evaluation of the checklist."""

import pytest

from initiatives import services
from initiatives.dashboard.summary import initiatives_table
from initiatives.models import (
    CLOSED_TASK_STATES,
    ChecklistItem,
    Initiative,
    MilestoneState,
    Task,
    TaskState,
)
from initiatives.rules import checklists
from initiatives.selectors import checklists as checklist_reads
from initiatives.selectors.initiatives import list_initiatives
from initiatives.services import checklists as checklist_writes
from tests.factories import make_initiative, make_milestone


def stored(initiative):
    initiative.refresh_from_db()
    return {name: getattr(initiative, name) for name in checklists.PROGRESS_FIELDS}


def evaluated(initiative):
    ready = checklist_reads.evaluate(initiative, "ready")
    done = checklist_reads.evaluate(initiative, "done")
    return {
        "dor_required": ready.required_total,
        "dor_satisfied": ready.required_satisfied,
        "dod_required": done.required_total,
        "dod_satisfied": done.required_satisfied,
    }


def open_item(initiative, kind="ready", **filters):
    return (
        ChecklistItem.objects.filter(
            initiative=initiative, kind=kind, status="open", signoff_role="", rule="", **filters
        )
        .order_by("pk")
        .first()
    )


def test_a_new_initiative_stores_its_progress(initiative):
    # 18 required DoR items, none satisfied; nor the DoD's "no more work required": it needs at
    # least one task, all closed.
    assert stored(initiative) == evaluated(initiative)
    assert stored(initiative)["dor_required"] == 18
    assert stored(initiative)["dor_satisfied"] == 0
    assert stored(initiative)["dod_satisfied"] == 0


def test_every_gate_changing_write_keeps_the_stored_progress_fresh(initiative, people):
    dri = people["dri"]

    def step(expected_dor_delta=0, expected_dod_delta=0, required_delta=0):
        nonlocal before
        now = stored(initiative)
        assert now == evaluated(initiative)
        assert now["dor_satisfied"] - before["dor_satisfied"] == expected_dor_delta
        assert now["dod_satisfied"] - before["dod_satisfied"] == expected_dod_delta
        assert now["dod_required"] - before["dod_required"] == required_delta
        before = now

    before = stored(initiative)
    services.initiative_update(
        initiative=initiative,
        actor=dri,
        changes={"design_doc_url": "https://docs.example.com/rfc"},
    )
    step(expected_dor_delta=1)  # "design doc linked"
    services.initiative_person_add(
        initiative=initiative, actor=dri, user=people["pm"], kind="stakeholder"
    )
    step(expected_dor_delta=1)  # "stakeholders listed"
    milestone = make_milestone(initiative, dri)
    step(expected_dor_delta=1)  # "milestones planned"
    task = services.task_create(initiative=initiative, actor=dri, title="Write the runbook")
    step()  # one task, open: "no more work required" still does not hold
    services.task_update(task=task, actor=dri, changes={"title": "Write the runbooks"})
    step()  # a title is not a gate fact
    services.task_update(task=task, actor=dri, changes={"state": TaskState.DONE})
    step(expected_dod_delta=1)
    services.milestone_transition(milestone=milestone, actor=dri, to=MilestoneState.CANCELLED)
    step(expected_dor_delta=-1)  # a cancelled milestone is not a plan
    item = open_item(initiative)
    services.checklist_item_tick(item=item, actor=dri)
    step(expected_dor_delta=1)
    services.checklist_item_reopen(item=item, actor=dri)
    step(expected_dor_delta=-1)
    services.checklist_item_waive(item=item, actor=dri, reason="Not relevant here")
    step(expected_dor_delta=1)
    services.initiative_update(initiative=initiative, actor=dri, changes={"security_risk": "low"})
    # Low risk makes the DoD's security approval optional: one required item fewer.
    step(required_delta=-1)
    services.initiative_person_remove(
        initiative=initiative, actor=dri, user=people["pm"], kind="stakeholder"
    )
    step(expected_dor_delta=-1)


def test_a_refused_write_leaves_the_progress_alone(initiative, people):
    before = stored(initiative)
    item = open_item(initiative)
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is what stays
        services.checklist_item_tick(item=item, actor=people["viewer"])
    assert stored(initiative) == before


def test_lists_read_the_stored_progress_in_one_query(team, people, django_assert_num_queries):
    first = make_initiative(team, people["dri"], title="First")
    make_initiative(team, people["dri"], title="Second")
    services.checklist_item_tick(item=open_item(first), actor=people["dri"])
    with django_assert_num_queries(1):
        rows = list_initiatives(Initiative.objects.filter(team=team).order_by("number"))
    assert [r.gates.ready.required_satisfied for r in rows] == [1, 0]
    assert rows[0].gates.ready.percent == round(100 / 18)
    assert not rows[0].gates.ready.met


def test_store_all_repairs_rows_written_behind_the_services_back(team, people):
    rows = [make_initiative(team, people["dri"], title=t) for t in ("A", "B", "C")]
    ChecklistItem.objects.filter(initiative=rows[1], kind="ready").update(status="done")
    Initiative.objects.update(dor_required=0, dor_satisfied=0, dod_required=0, dod_satisfied=0)
    assert checklist_writes.store_all_gate_progress(batch=2) == 3
    for row in rows:
        assert stored(row) == evaluated(row)
    assert stored(rows[1])["dor_satisfied"] > stored(rows[0])["dor_satisfied"]


# --- Stored task counts (``task_count``, ``closed_task_count``) --------------------------------


def stored_counts(initiative):
    initiative.refresh_from_db()
    return {name: getattr(initiative, name) for name in checklists.TASK_COUNT_FIELDS}


def counted(initiative):
    tasks = Task.objects.filter(initiative=initiative)
    return {
        "task_count": tasks.count(),
        "closed_task_count": tasks.filter(state__in=CLOSED_TASK_STATES).count(),
    }


def test_every_task_write_keeps_the_stored_task_counts_fresh(initiative, people):
    dri = people["dri"]
    assert stored_counts(initiative) == {"task_count": 0, "closed_task_count": 0}
    seen = []

    def step():
        assert stored_counts(initiative) == counted(initiative)
        seen.append(tuple(stored_counts(initiative).values()))

    first = services.task_create(initiative=initiative, actor=dri, title="Open work")
    step()
    services.task_create(initiative=initiative, actor=dri, title="Dropped", state=TaskState.WONT_DO)
    step()
    services.task_update(task=first, actor=dri, changes={"state": TaskState.IN_PROGRESS})
    step()  # still open
    services.task_update(task=first, actor=dri, changes={"state": TaskState.DONE})
    step()
    services.task_update(task=first, actor=dri, changes={"state": TaskState.WONT_DO})
    step()  # closed either way
    services.task_update(task=first, actor=dri, changes={"state": TaskState.TODO})
    step()  # reopened
    services.task_update(task=first, actor=dri, changes={"title": "Open work, renamed"})
    step()
    # An initiative's other writes (checklists, people) store the counts they already read.
    services.checklist_item_tick(item=open_item(initiative), actor=dri)
    step()
    assert seen == [(1, 0), (2, 1), (2, 1), (2, 2), (2, 2), (2, 1), (2, 1), (2, 1)]


def test_lists_and_the_dashboard_show_the_stored_task_counts(team, people):
    dri = people["dri"]
    busy, idle = make_initiative(team, dri, title="Busy"), make_initiative(team, dri, title="Idle")
    for state in (TaskState.TODO, TaskState.DONE, TaskState.DONE, TaskState.WONT_DO):
        services.task_create(initiative=busy, actor=dri, title=f"Task {state}", state=state)
    rows = list_initiatives(Initiative.objects.filter(team=team).order_by("number"))
    assert [(r.key, r.tasks_total, r.tasks_closed, r.progress) for r in rows] == [
        (busy.key, 4, 3, 75),
        (idle.key, 0, 0, 0),
    ]
    table = {r["key"]: r for r in initiatives_table([team.pk])}
    assert (table[busy.key]["tasks_closed"], table[busy.key]["tasks_total"]) == (3, 4)


def test_store_all_repairs_task_counts_written_behind_the_services_back(team, people):
    dri = people["dri"]
    rows = [make_initiative(team, dri, title=t) for t in ("A", "B")]
    services.task_create(initiative=rows[0], actor=dri, title="Done", state=TaskState.DONE)
    Task.objects.bulk_create(Task(initiative=rows[1], title=f"Bulk {i}") for i in range(3))
    Initiative.objects.update(task_count=0, closed_task_count=0)
    checklist_writes.store_all_gate_progress()
    assert [stored_counts(r) for r in rows] == [counted(r) for r in rows]
    assert [tuple(stored_counts(r).values()) for r in rows] == [(1, 1), (3, 0)]
