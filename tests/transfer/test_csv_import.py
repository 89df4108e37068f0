"""The Jira and GitHub Projects CSV importers: the fixtures import with the expected counts,
a dry run reports the same and writes nothing, every skipped row is named by its line and
why, mappings are configurable, and only an EM of the team imports."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from initiatives import services
from initiatives.models import ActivityEvent, Initiative, Milestone, Role, State, Task
from initiatives.rules.exceptions import ApplicationError, NotAllowed
from initiatives.transfer import github, jira
from initiatives.transfer.services import csv_import
from tests.factories import UserFactory, make_initiative, member

FIXTURES = Path(__file__).parent / "fixtures"
JIRA = (FIXTURES / "jira_200.csv").read_text()
GITHUB = (FIXTURES / "github_project.csv").read_text()


@pytest.fixture
def crew(team, people):
    """The people the fixtures name: Alice Adams (by full name), bob (by username) and carol
    (by email); "Zed Unknown" is nobody here."""
    alice = member(team, Role.ENGINEER, "alice")
    alice.first_name, alice.last_name = "Alice", "Adams"
    alice.save()
    carol = member(team, Role.ENGINEER, "carol")
    carol.email = "carol@example.com"
    carol.save()
    return {"alice": alice, "bob": member(team, Role.ENGINEER, "bob"), "carol": carol}


def test_the_jira_fixture_of_200_issues_imports_with_the_expected_counts(team, people, crew):
    plan = jira.parse(team, JIRA, dri=people["em"], jira_url="https://acme.atlassian.net")

    report = csv_import(plan=plan, actor=people["em"])

    assert report.skipped == []
    assert dict(report.created) == {"initiatives": 10, "milestones": 20, "tasks": 190}
    initiatives = Initiative.objects.filter(team=team).order_by("number")
    assert [i.state for i in initiatives] == [
        State.DISCOVERY, State.DISCOVERY, State.IN_DELIVERY, State.IN_DELIVERY,
        State.IN_DELIVERY, State.DONE, State.DONE, State.IN_DELIVERY, State.DISCOVERY,
        State.CANCELLED,
    ]  # fmt: skip
    first = initiatives[0]
    assert first.title == "Epic 1: Ephemeral CI runners" and first.dri == crew["alice"]
    assert initiatives[8].dri == people["em"]  # "Zed Unknown" is not in the team
    assert Task.objects.filter(initiative__team=team).count() == 190
    task = Task.objects.get(external_url="https://acme.atlassian.net/browse/OPS-13")
    assert task.title == "Bug 3 of epic 3" and task.state == "in_review"
    assert task.assignee == crew["carol"] and task.milestone is None  # no fix version
    # Delivery tasks: in their milestone once the initiative is ready, without it before.
    in_delivery = initiatives[2]
    assert Task.objects.filter(initiative=in_delivery, milestone__isnull=False).exists()
    assert not Task.objects.filter(initiative=first, milestone__isnull=False).exists()
    assert any("added without its milestone" in note for note in report.notes)
    v1 = Milestone.objects.get(initiative=in_delivery, title="v1.0")
    assert v1.due_date < dt.date(2027, 1, 1)  # the latest due date of its issues
    # Passing a gate on import is an EM's override with the import as its reason.
    override = ActivityEvent.objects.filter(
        initiative=in_delivery, verb="initiative.gate_overridden"
    ).first()
    assert override is not None and "Imported from Jira: OPS-3" in override.after["reason"]


def test_a_jira_dry_run_reports_what_it_would_create_and_writes_nothing(team, people, crew):
    events = ActivityEvent.objects.count()
    out = io.StringIO()

    call_command(
        "import_team", str(FIXTURES / "jira_200.csv"), "--from", "jira", "--team", "PLAT",
        "--as", "em", "--dry-run", stdout=out,
    )  # fmt: skip

    text = out.getvalue()
    assert "Would create in team PLAT from Jira: initiatives: 9, milestones: 18, tasks: 171" in text
    # Epics' descriptions span two lines: epic 9 starts on line 18.
    assert "line 18: epic OPS-9: no DRI: its assignee 'Zed Unknown'" in text
    assert "line 32: OPS-19: its epic (line 18) was skipped" in text
    assert "Skipped 20 row(s)" in text and "Dry run: nothing was written." in text
    assert not Initiative.objects.filter(team=team).exists()
    assert ActivityEvent.objects.count() == events


def test_a_malformed_row_is_reported_with_its_line_and_the_rest_imports(team, people, crew):
    lines = JIRA.splitlines(keepends=True)
    header, epic = lines[0], "Epic,OPS-1,1,Epic,In Progress,,bob,,,,,,,,\n"
    text = header + epic + "broken row,OPS-2\n" + "Fine,OPS-3,3,Task,Done,,,,,,,,,OPS-1,\n"
    text += (
        "Odd,OPS-4,4,Task,Parked,,,,,,,,,OPS-1,\n"
        + ("x" * 201)
        + ",OPS-5,5,Task,Done,,,,,,,,,OPS-1,\n"
    )

    report = csv_import(plan=jira.parse(team, text), actor=people["em"])

    assert report.skipped == [
        "line 3: row: has 2 fields, the header has 15",
        "line 5: OPS-4: unknown status 'Parked' (map it with --status 'Parked=STATE')",
        "line 6: OPS-5: title At most 200 characters (this has 201).",
    ]
    assert report.created["tasks"] == 1
    mapped = jira.parse(team, text, status=["Parked=todo"])
    assert [t.ref for t in mapped.initiatives[0].tasks] == ["OPS-3", "OPS-4"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("Summary,Status\nx,y\n", "no column 'Issue key', 'Issue Type'"),
    ],
)
def test_a_file_that_is_not_a_jira_export_is_refused(team, text, message):
    with pytest.raises(ApplicationError, match=message):
        jira.parse(team, text)


def test_a_bad_mapping_is_refused(team):
    with pytest.raises(ApplicationError, match="NAME=STATE"):
        jira.parse(team, JIRA, status=["Parked=sleeping"])


def test_only_an_em_of_the_team_imports(team, people, crew):
    plan = jira.parse(team, JIRA, dri=people["em"])
    for who in ("dri", "pm", "viewer"):
        with pytest.raises(NotAllowed):
            csv_import(plan=plan, actor=people[who])
    with pytest.raises(ApplicationError):  # not a member: not found
        csv_import(plan=plan, actor=people["outsider"])
    assert not Initiative.objects.filter(team=team).exists()


def test_the_github_fixture_imports_its_items_as_tasks(team, people, crew):
    target = make_initiative(team, people["dri"])

    report = csv_import(plan=github.parse(team, GITHUB, initiative=target.key), actor=people["em"])

    # Items 6, 12, … are "Blocked": not a state until mapped.
    assert report.created == {"tasks": 25}
    assert len(report.skipped) == 5
    assert (
        report.skipped[0] == "line 7: 'Item 6: Write runbook': unknown Status 'Blocked' "
        "(map it with --status 'Blocked=STATE')"
    )
    tasks = Task.objects.filter(initiative=target).order_by("pk")
    assert [t.state for t in tasks[:5]] == ["todo", "in_progress", "done", "todo", "in_review"]
    assert tasks[0].assignee == crew["alice"] and tasks[2].assignee is None  # "zed"
    assert tasks[0].external_url == "https://github.com/acme/platform/issues/100"


def test_github_state_mapping_and_field_are_configurable(team, people, crew, tmp_path):
    target = make_initiative(team, people["dri"])
    path = tmp_path / "project.csv"
    path.write_text(GITHUB.replace("Status", "Stage", 1))
    out = io.StringIO()

    call_command(
        "import_team", str(path), "--from", "github", "--team", "plat", "--as", "em",
        "--initiative", target.key, "--state-field", "Stage", "--status", "Blocked=todo",
        stdout=out,
    )  # fmt: skip

    assert "Created in team PLAT from GitHub Projects: tasks: 30." in out.getvalue()
    with pytest.raises(CommandError, match="no initiative PLAT-99"):
        call_command(
            "import_team", str(path), "--from", "github", "--team", "PLAT", "--as", "em",
            "--initiative", "PLAT-99", "--state-field", "Stage", stdout=io.StringIO(),
        )  # fmt: skip


def test_tasks_go_nowhere_a_cancelled_initiative(team, people, crew):
    target = make_initiative(team, people["dri"])
    services.initiative_transition(
        initiative=target, to=State.CANCELLED, actor=people["em"], reason="Dropped"
    )

    report = csv_import(plan=github.parse(team, GITHUB, initiative=target.key), actor=people["em"])

    assert report.created["tasks"] == 0
    assert len(report.skipped) == 30
    assert "line 2: 'Item 1: Add metrics': A cancelled initiative is read-only." in report.skipped


def test_the_command_needs_a_team_and_an_actor(team, people):
    path = str(FIXTURES / "jira_200.csv")
    with pytest.raises(CommandError, match="--team"):
        call_command("import_team", path, "--from", "jira", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--as"):
        call_command("import_team", path, "--from", "jira", "--team", "PLAT", stdout=io.StringIO())
    UserFactory(username="lonely")
    with pytest.raises(CommandError, match="engineering manager"):
        call_command(
            "import_team", path, "--from", "jira", "--team", "PLAT", "--as", "dri",
            stdout=io.StringIO(),
        )  # fmt: skip
