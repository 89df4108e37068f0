"""A team's export and its restore: the round trip through an empty database, a new team
under another key, the rebuilt and marked audit chain, refusals, the dry run, the query
budget of the export."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from initiatives import services
from initiatives.audit.verify import verify
from initiatives.models import ActivityEvent, Initiative, Role, Task, Team
from initiatives.rules.exceptions import NotAllowed, ValidationFailed
from initiatives.transfer.selectors import team_export
from initiatives.transfer.services import team_import
from tests.conftest import ensure_default_templates
from tests.factories import make_initiative, make_milestone, member

User = get_user_model()

# References between rows of one installation; everything else must survive a round trip.
IDS = {"id", "target_id", "content_hash", "prev_hash", "origin_hash", "exported_at"}


def comparable(export: dict[str, Any]) -> dict[str, Any]:
    """The export without ids, with each reference to a milestone replaced by its title, and
    without the event that records the import itself. Events' before and after values are
    compared as they are: the restore copies them verbatim, ids of the old rows included."""
    titles = {m["id"]: m["title"] for i in export["initiatives"] for m in i["milestones"]}

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                # An event's before and after are history as written: copied verbatim.
                k: v
                if k in ("before", "after")
                else titles.get(v)
                if k == "milestone"
                else strip(v)
                for k, v in value.items()
                if k not in IDS
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    data = strip(export)
    data["activity"] = [e for e in data["activity"] if e["verb"] != "team.imported"]
    return data


def export_of(key: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("export_team", key, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db(transaction=True)
def test_a_seeded_team_exported_into_an_empty_database_exports_the_same_again():
    call_command("seed_demo", "--force", stdout=io.StringIO())
    first = export_of("PLAT")
    assert len(first["initiatives"]) >= 5 and len(first["activity"]) > 100
    call_command("flush", "--noinput")
    ensure_default_templates()
    assert not Team.objects.exists() and not User.objects.exists()

    report = team_import(data=json.loads(json.dumps(first)))

    assert report.created["initiatives"] == len(first["initiatives"])
    assert report.created["users"] == len(first["users"])
    second = export_of("PLAT")
    assert comparable(second) == comparable(first)
    chain = verify()
    assert chain.ok, chain.broken
    imported = ActivityEvent.objects.exclude(verb="team.imported")
    assert not imported.filter(origin_hash="").exists()
    assert sorted(imported.values_list("origin_hash", flat=True)) == sorted(
        e["content_hash"] for e in first["activity"]
    )
    restored = User.objects.get(username="dana")
    assert not restored.has_usable_password()


@pytest.fixture
def busy(team, people):
    """An initiative with a milestone that slipped, tasks, a weekly update and decisions."""
    initiative = make_initiative(team, people["dri"], summary="=cmd|' /C calc'!A0")
    milestone = make_milestone(initiative, people["dri"], days=20)
    services.milestone_update(
        milestone=milestone,
        actor=people["dri"],
        changes={"due_date": milestone.due_date + dt.timedelta(days=7)},
        slip_reason="Re-planned",
    )
    services.task_create(
        initiative=initiative,
        actor=people["dri"],
        title="Write the RFC",
        assignee=people["engineer"],
    )
    services.status_update_post(
        initiative=initiative,
        actor=people["dri"],
        health="at_risk",
        progress="Pilot live",
        risks="Vendor quota",
    )
    return initiative


def test_a_team_imported_under_a_new_key_keeps_its_people_and_history(busy, people):
    data = team_export(busy.team, now=timezone.now())

    report = team_import(data=data, key="COPY")

    copy = Team.objects.get(key="COPY")
    assert report.created["users"] == 0  # everyone matched by username
    assert set(copy.memberships.values_list("user__username", "role")) == set(
        busy.team.memberships.values_list("user__username", "role")
    )
    twin = Initiative.objects.get(team=copy, number=busy.number)
    assert twin.dri == busy.dri and twin.health == "at_risk" and twin.summary == busy.summary
    assert Task.objects.get(initiative=twin).assignee == people["engineer"]
    events = list(ActivityEvent.objects.filter(team=copy).order_by("pk"))
    assert [e.verb for e in events][:-1] == [e["verb"] for e in data["activity"]]
    assert events[-1].verb == "team.imported" and events[-1].origin_hash == ""
    assert all(e.origin_hash for e in events[:-1])
    assert verify().ok
    copy.refresh_from_db()
    assert copy.data_version >= 1  # cached reads of the new team start from a fresh version
    # The next initiative is numbered after the restored ones.
    later = make_initiative(copy, people["dri"], title="After the import")
    assert later.number == busy.number + 1


def test_people_are_matched_by_email_when_the_username_differs(busy, people):
    data = team_export(busy.team, now=timezone.now())
    for person in data["users"]:
        if person["username"] == "eng":
            person["username"] = "engineer.renamed"
    data = json.loads(json.dumps(data).replace('"eng"', '"engineer.renamed"'))

    report = team_import(data=data, key="COPY")

    assert any("matched by email" in note for note in report.notes)
    assert not User.objects.filter(username="engineer.renamed").exists()
    assert Task.objects.get(initiative__team__key="COPY").assignee == people["engineer"]


def test_a_dry_run_reports_the_counts_and_writes_nothing(busy):
    data = team_export(busy.team, now=timezone.now())
    events = ActivityEvent.objects.count()

    report = team_import(data=data, key="COPY", dry_run=True)

    assert report.dry_run and report.created["initiatives"] == 1
    assert "Would create in team COPY" in report.lines()[0]
    assert not Team.objects.filter(key="COPY").exists()
    assert ActivityEvent.objects.count() == events


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda d: {"format": "something else"}, "not_an_export"),
        (lambda d: {**d, "version": 99}, "export_version"),
        (lambda d: {**d, "initiatives": [{"title": "no number"}]}, "malformed_export"),
        (
            lambda d: {**d, "initiatives": [{**d["initiatives"][0], "state": "bogus"}]},
            "malformed_export",
        ),
        (lambda d: {**d, "activity": [{"verb": "x"}]}, "malformed_export"),
    ],
)
def test_a_bad_export_is_refused_whole(busy, mangle, code):
    data = mangle(team_export(busy.team, now=timezone.now()))

    with pytest.raises(ValidationFailed) as refused:
        team_import(data=data, key="COPY")

    assert refused.value.code == code
    assert not Team.objects.filter(key="COPY").exists()


def test_an_existing_team_is_not_overwritten(busy):
    data = team_export(busy.team, now=timezone.now())

    with pytest.raises(ValidationFailed) as refused:
        team_import(data=data)

    assert refused.value.code == "team_exists"


def test_only_an_administrator_restores_a_team(busy, people):
    data = team_export(busy.team, now=timezone.now())

    with pytest.raises(NotAllowed):
        team_import(data=data, key="COPY", actor=people["em"])


def test_the_commands_round_trip_through_a_file(busy, tmp_path):
    path = tmp_path / "plat.json"
    call_command("export_team", "plat", output=str(path), stderr=io.StringIO())
    out = io.StringIO()

    call_command("import_team", str(path), key="copy", stdout=out)

    assert "Created in team COPY" in out.getvalue()
    assert Initiative.objects.filter(team__key="COPY").count() == 1
    with pytest.raises(CommandError, match="exists already"):
        call_command("import_team", str(path), key="COPY", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No team"):
        call_command("export_team", "NOPE", stdout=io.StringIO())
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CommandError, match="Not JSON"):
        call_command("import_team", str(tmp_path / "bad.json"), stdout=io.StringIO())


def _grow(team, people, n: int) -> None:
    for i in range(n):
        initiative = make_initiative(team, people["dri"], title=f"Initiative {i}")
        make_milestone(initiative, people["dri"])
        services.task_create(initiative=initiative, actor=people["dri"], title=f"Task {i}")


def test_the_export_reads_a_fixed_number_of_queries(team, people, django_assert_max_num_queries):
    member(team, Role.ENGINEER, "extra")
    _grow(team, people, 2)
    with django_assert_max_num_queries(16):
        small = team_export(team, now=timezone.now())
    _grow(team, people, 6)
    with django_assert_max_num_queries(16):
        large = team_export(team, now=timezone.now())
    assert len(small["initiatives"]) == 2 and len(large["initiatives"]) == 8
