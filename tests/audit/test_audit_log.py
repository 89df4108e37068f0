"""Issue 13, point 4: the audit log is append-only (queryset and, on PostgreSQL, a trigger),
keeps who did what whatever happens to users, forms a hash chain per initiative that
``audit_verify`` checks, and each initiative has an evidence pack."""

from __future__ import annotations

import importlib
import io
import itertools

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from initiatives import services
from initiatives.audit import chain
from initiatives.audit.verify import verify
from initiatives.models import ActivityEvent, AppendOnlyError, State
from initiatives.services.common import display_name
from tests.audit.walk import ready_initiative, risk_review

pytestmark = pytest.mark.django_db
User = get_user_model()
trust_migration = importlib.import_module("initiatives.migrations.0006_trust")


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def plain() -> models.QuerySet:
    """A queryset without the manager's refusals: what a careless bulk job would use."""
    return models.QuerySet(ActivityEvent)


# --- Append-only ---------------------------------------------------------------------------


def test_single_and_bulk_changes_of_events_are_refused(initiative):
    event = ActivityEvent.objects.filter(initiative=initiative).first()
    for attempt in (
        lambda: event.save(),
        lambda: event.delete(),
        lambda: ActivityEvent.objects.filter(pk=event.pk).update(summary="rewritten"),
        lambda: ActivityEvent.objects.all().delete(),
        lambda: initiative.activity.all().update(summary="rewritten"),
    ):
        with pytest.raises(AppendOnlyError):
            attempt()
    assert ActivityEvent.objects.get(pk=event.pk).summary == event.summary


def test_deleting_a_team_initiative_or_user_keeps_the_history(team, people, initiative):
    for obj in (team, initiative, people["dri"]):
        with pytest.raises(ProtectedError), transaction.atomic():
            obj.delete()
    assert ActivityEvent.objects.filter(initiative=initiative).exists()


def test_names_are_stored_as_they_were(team, people):
    security = people["security"]
    security.first_name, security.last_name = "Sam", "Shield"
    security.save()
    initiative = ready_initiative(team, people)
    signed = ActivityEvent.objects.get(initiative=initiative, verb="checklist_item.signed_off")
    assert signed.actor_name == "Sam Shield"
    assert risk_review(initiative).decided_by_name == "Sam Shield"
    security.first_name = "Renamed"
    security.save()
    signed.refresh_from_db()
    assert signed.actor_name == "Sam Shield"
    assert risk_review(initiative).decided_by_name == "Sam Shield"


def test_the_admin_deactivates_users_instead_of_deleting_them(people):
    user_admin = admin.site._registry[User]
    request = RequestFactory().post("/")
    request.user = User.objects.create_superuser("root", "root@example.com", "pw")
    assert not user_admin.has_delete_permission(request, people["dri"])
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    user_admin.get_actions(request)["deactivate_users"][0](
        user_admin, request, User.objects.filter(pk=people["dri"].pk)
    )
    people["dri"].refresh_from_db()
    assert people["dri"].is_active is False


# --- The hash chain ------------------------------------------------------------------------


def test_each_event_chains_to_the_previous_event_of_its_initiative(team, people):
    first = ready_initiative(team, people)
    second = ready_initiative(team, people)
    for initiative in (first, second):
        events = list(ActivityEvent.objects.filter(initiative=initiative).order_by("pk"))
        assert events[0].prev_hash == chain.GENESIS
        for before, event in itertools.pairwise(events):
            assert event.prev_hash == before.content_hash
            assert event.content_hash == chain.content_hash(chain.fields_of(event), event.prev_hash)
    report = verify()
    assert report.ok and report.events == ActivityEvent.objects.count()


def test_the_migration_seals_rows_as_the_live_chain_does(initiative):
    event = ActivityEvent.objects.filter(initiative=initiative).first()
    assert trust_migration.content_hash(event, event.prev_hash) == event.content_hash


def test_audit_verify_names_the_first_altered_row(team, people):
    """SQLite has no trigger: a row altered there stands for one altered behind it."""
    if connection.vendor == "postgresql":
        pytest.skip("tests/audit/test_audit_log_pg.py alters a row with the trigger disabled")
    initiative = ready_initiative(team, people)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK:")
    events = list(ActivityEvent.objects.filter(initiative=initiative).order_by("pk"))
    plain().filter(pk=events[3].pk).update(summary="Nothing to see")
    plain().filter(pk=events[6].pk).update(summary="Nor here")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of"):
        call_command("audit_verify", "--initiative", initiative.key, stderr=err)
    assert f"{initiative.key}: event #{events[3].pk}" in err.getvalue()
    assert "altered" in err.getvalue() and f"#{events[6].pk}" not in err.getvalue()


def test_audit_verify_finds_a_removed_row(team, people):
    if connection.vendor == "postgresql":
        pytest.skip("the trigger refuses the DELETE (tests/audit/test_audit_log_pg.py)")
    initiative = ready_initiative(team, people)
    events = list(ActivityEvent.objects.filter(initiative=initiative).order_by("pk"))
    raw("DELETE FROM initiatives_activityevent WHERE id = %s", [events[2].pk])
    report = verify(initiative)
    assert [b.event_id for b in report.broken] == [events[3].pk]
    assert "removed or reordered" in report.broken[0].reason


def test_audit_verify_refuses_an_unknown_initiative(db):
    with pytest.raises(CommandError, match="No initiative PLAT-99"):
        call_command("audit_verify", "--initiative", "PLAT-99")


# --- The evidence pack ---------------------------------------------------------------------


@pytest.fixture
def overridden(team, people):
    initiative = ready_initiative(team, people)
    services.checklist_item_reopen(item=risk_review(initiative), actor=people["security"])
    services.initiative_transition(
        initiative=initiative, to=State.IN_DELIVERY, actor=people["em"], override=True,
        reason="Security reviews it on Friday",
    )  # fmt: skip
    return initiative


def test_the_evidence_pack_lists_every_gate_decision(overridden, people):
    client = APIClient()
    client.force_authenticate(people["viewer"])
    response = client.get(f"/api/v1/initiatives/{overridden.key}/evidence/")
    assert response.status_code == 200
    pack = response.json()
    head = ActivityEvent.objects.filter(initiative=overridden).latest("pk")
    assert pack["chain"] == {
        "events": ActivityEvent.objects.filter(initiative=overridden).count(),
        "head_hash": head.content_hash,
        "verified": True,
        "first_broken_link": None,
    }
    review = next(i for i in pack["items"] if i["id"] == risk_review(overridden).pk)
    assert review["status"] == "open"
    assert review["decided_by"] == display_name(people["security"])
    kinds = [d["kind"] for d in pack["decisions"]]
    assert kinds.count("Signed off") == 1 and "Reopened" in kinds
    override = next(d for d in pack["decisions"] if d["kind"] == "Gate overridden")
    assert override["reason"] == "Security reviews it on Friday"
    assert override["items"] == [risk_review(overridden).pk]
    assert override["actor"] == display_name(people["em"])
    waived = [d for d in pack["decisions"] if d["kind"] == "Waived"]
    assert waived and all(d["reason"] == "" or d["summary"] for d in waived)


def test_the_evidence_pack_is_for_members_only(overridden, people):
    client = APIClient()
    client.force_authenticate(people["outsider"])
    assert client.get(f"/api/v1/initiatives/{overridden.key}/evidence/").status_code == 404
    assert APIClient().get(f"/api/v1/initiatives/{overridden.key}/evidence/").status_code in (
        401,
        403,
    )
    web = Client()
    web.force_login(people["outsider"])
    assert web.get(f"/i/{overridden.key}/evidence/").status_code == 404
    assert Client().get(f"/i/{overridden.key}/evidence/").status_code == 302  # to the login


def test_the_page_offers_a_printable_pack_and_a_json_download(overridden, people):
    web = Client()
    web.force_login(people["viewer"])
    page = web.get(f"/i/{overridden.key}/")
    assert f"/i/{overridden.key}/evidence/" in page.content.decode()
    printable = web.get(f"/i/{overridden.key}/evidence/").content.decode()
    assert "Security reviews it on Friday" in printable and "verify" in printable
    download = web.get(f"/i/{overridden.key}/evidence/", {"download": "json"})
    assert download["Content-Type"] == "application/json"
    assert f'filename="{overridden.key}-evidence.json"' in download["Content-Disposition"]
    assert download.json()["chain"]["verified"] is True


def test_the_pack_says_when_the_chain_does_not_verify(overridden, people):
    if connection.vendor == "postgresql":
        pytest.skip("covered with the trigger disabled in tests/audit/test_audit_log_pg.py")
    event = ActivityEvent.objects.filter(initiative=overridden).order_by("pk")[1]
    plain().filter(pk=event.pk).update(actor_name="Someone else")
    client = APIClient()
    client.force_authenticate(people["em"])
    chain_state = client.get(f"/api/v1/initiatives/{overridden.key}/evidence/").json()["chain"]
    assert chain_state["verified"] is False
    assert f"event #{event.pk}" in chain_state["first_broken_link"]


def test_the_evidence_pack_costs_a_fixed_number_of_queries(
    team, people, django_assert_max_num_queries
):
    small = ready_initiative(team, people)
    large = ready_initiative(team, people)
    for _ in range(5):
        services.checklist_item_reopen(item=risk_review(large), actor=people["security"])
        services.checklist_item_tick(item=risk_review(large), actor=people["security"])
    client = APIClient()
    client.force_authenticate(people["em"])
    for initiative in (small, large):
        with django_assert_max_num_queries(12):
            assert client.get(f"/api/v1/initiatives/{initiative.key}/evidence/").status_code == 200
