"""Data migrations run on historical models (``apps.get_model``) with a frozen copy of any
domain computation; these tests run them through Django's migration loader and check that
they still produce what the live rules do."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from initiatives import services
from initiatives.models import ChecklistItem, ChecklistTemplate, Initiative, TaskState
from initiatives.rules.checklists import PROGRESS_FIELDS
from tests.factories import make_initiative, make_milestone

gate_progress = importlib.import_module("initiatives.migrations.0004_gate_progress")
# The latest data migration that stores gate progress: its frozen rules are today's.
current_progress = importlib.import_module("initiatives.migrations.0007_gate_progress_needs_a_task")
default_templates = importlib.import_module("initiatives.migrations.0002_default_templates")
stored_task_counts = importlib.import_module("initiatives.migrations.0014_stored_task_counts")


def historical_apps(migration: str):
    """The app registry as of ``migration`` (historical models, as the migration sees them)."""
    return MigrationLoader(connection).project_state(("initiatives", migration)).apps


def progress(initiative_id):
    return Initiative.objects.filter(pk=initiative_id).values(*PROGRESS_FIELDS).get()


@pytest.fixture
def varied_initiatives(team, people):
    """Initiatives whose gates differ in every way the rules look at."""
    dri, em, sec = people["dri"], people["em"], people["security"]
    bare = make_initiative(team, dri, title="Nothing done")
    low = make_initiative(team, dri, title="Low risk", stakeholders=[people["pm"]])
    services.initiative_update(
        initiative=low,
        actor=dri,
        changes={"security_risk": "low", "design_doc_url": "https://docs.example.com/rfc"},
    )
    high = make_initiative(team, dri, title="High risk")
    services.initiative_update(initiative=high, actor=dri, changes={"security_risk": "high"})
    for initiative in (low, high):
        milestone = make_milestone(initiative, dri)
        services.task_create(initiative=initiative, actor=dri, title="Open work")
        services.milestone_transition(milestone=milestone, actor=dri, to="cancelled")
    manual = ChecklistItem.objects.filter(initiative=low, signoff_role="", rule="", evidence="")
    first, second = manual.order_by("pk")[:2]
    services.checklist_item_tick(item=first, actor=dri)
    services.checklist_item_waive(item=second, actor=dri, reason="Not applicable here.")
    signoff = ChecklistItem.objects.get(initiative=high, kind="ready", signoff_role="security")
    services.checklist_item_tick(item=signoff, actor=sec)
    services.task_create(initiative=bare, actor=dri, title="Closed work", state=TaskState.WONT_DO)
    services.checklist_item_waive(
        item=ChecklistItem.objects.get(initiative=bare, kind="done", signoff_role="legal"),
        actor=em,
        reason="No legal surface.",
    )
    return [bare, low, high]


def test_gate_progress_migration_stores_what_the_live_rules_store(varied_initiatives):
    expected = {i.pk: progress(i.pk) for i in varied_initiatives}  # kept by the services
    assert len({tuple(values.values()) for values in expected.values()}) == 3
    Initiative.objects.update(**dict.fromkeys(PROGRESS_FIELDS, 0))

    current_progress.store_progress(historical_apps("0007_gate_progress_needs_a_task"), None)

    assert {i.pk: progress(i.pk) for i in varied_initiatives} == expected


def test_gate_progress_migration_counts_risk_scaled_items_as_the_rules_do(team, people):
    dri = people["dri"]
    low, high = make_initiative(team, dri), make_initiative(team, dri)
    services.initiative_update(initiative=low, actor=dri, changes={"security_risk": "low"})
    services.initiative_update(initiative=high, actor=dri, changes={"security_risk": "high"})
    expected = {i.pk: progress(i.pk) for i in (low, high)}
    # The DoD security approval is optional at low risk only.
    assert expected[high.pk]["dod_required"] == expected[low.pk]["dod_required"] + 1
    Initiative.objects.update(**dict.fromkeys(PROGRESS_FIELDS, 0))

    current_progress.store_progress(historical_apps("0007_gate_progress_needs_a_task"), None)

    assert {i.pk: progress(i.pk) for i in (low, high)} == expected


def test_the_older_roll_up_counted_no_tasks_as_no_more_work(team, people):
    """0004's frozen rule predates "no more work required needs a task"; 0007 stores the
    rule as it now stands, so a new initiative's DoD is one item further from met."""
    initiative = make_initiative(team, people["dri"])
    expected = progress(initiative.pk)

    gate_progress.store_progress(historical_apps("0004_gate_progress"), None)
    older = progress(initiative.pk)
    current_progress.store_progress(historical_apps("0007_gate_progress_needs_a_task"), None)

    assert older["dod_satisfied"] == expected["dod_satisfied"] + 1
    assert progress(initiative.pk) == expected


def test_default_templates_migration_installs_once_on_historical_models(db):
    apps = historical_apps("0002_default_templates")
    before = ChecklistTemplate.objects.filter(team=None).values_list("kind", "version")
    default_templates.install(apps, None)  # already installed: nothing changes
    assert sorted(before) == [("done", 1), ("ready", 1)]
    sections = {
        kind: list(
            ChecklistTemplate.objects.get(team=None, kind=kind).sections.values_list(
                "title", flat=True
            )
        )
        for kind in ("ready", "done")
    }
    assert sections == {
        "ready": ["Context and objectives", "High-level plan", "Estimates"],
        "done": ["Work is completed", "Documentation is available", "Approvals", "Operability"],
    }


def test_migrations_import_no_domain_code():
    """Migrations see the domain only through historical models: a live import would make an
    old migration change whenever the code does (validators referenced by fields aside)."""
    from pathlib import Path

    folder = Path(gate_progress.__file__).parent
    for path in folder.glob("0*.py"):
        imports = [
            line
            for line in path.read_text().splitlines()
            if line.startswith(("import initiatives", "from initiatives"))
            or "    from initiatives" in line
        ]
        allowed = ["import initiatives.models.team"]  # 0001: the time zone field's validator
        assert [line for line in imports if line not in allowed] == [], path.name


def test_task_count_migration_counts_what_the_services_store(varied_initiatives):
    fields = ("task_count", "closed_task_count")
    expected = {
        i.pk: Initiative.objects.filter(pk=i.pk).values(*fields).get() for i in varied_initiatives
    }
    assert sorted(tuple(v.values()) for v in expected.values()) == [(1, 0), (1, 0), (1, 1)]
    Initiative.objects.update(task_count=0, closed_task_count=0)

    stored_task_counts.count_tasks(historical_apps("0014_stored_task_counts"), None)

    assert {
        i.pk: Initiative.objects.filter(pk=i.pk).values(*fields).get() for i in varied_initiatives
    } == expected
