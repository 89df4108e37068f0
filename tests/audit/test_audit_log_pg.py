"""On PostgreSQL the append-only rule is the database's: a trigger refuses UPDATE and DELETE
of activity rows whoever sends them, and a row altered with the trigger disabled (what only
the table's owner can do) is found by ``audit_verify``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from initiatives.audit.maintenance import rewrite_times
from initiatives.audit.verify import verify
from initiatives.models import ActivityEvent
from tests.audit.walk import ready_initiative

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE initiatives_activityevent SET summary = 'rewritten' WHERE id = %s",
        "DELETE FROM initiatives_activityevent WHERE id = %s",
        "UPDATE initiatives_activityevent SET actor_id = NULL WHERE id >= %s",
        "DELETE FROM initiatives_activityevent WHERE id >= %s",
    ],
)
def test_raw_updates_and_deletes_are_refused(initiative, sql):
    event = ActivityEvent.objects.filter(initiative=initiative).first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [event.pk])
    assert ActivityEvent.objects.get(pk=event.pk).summary == event.summary


def test_the_seeding_rewrite_may_move_times_but_nothing_else(initiative):
    event = ActivityEvent.objects.filter(initiative=initiative).first()
    earlier = event.created_at.replace(year=event.created_at.year - 1)
    rewrite_times({event.pk: earlier})
    assert ActivityEvent.objects.get(pk=event.pk).created_at == earlier
    assert verify(initiative).ok
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("SET LOCAL shipshape.audit_rewrite = 'on'")
        raw("UPDATE initiatives_activityevent SET summary = 'x' WHERE id = %s", [event.pk])


def test_audit_verify_reports_a_row_altered_behind_the_triggers_back(team, people):
    initiative = ready_initiative(team, people)
    events = list(ActivityEvent.objects.filter(initiative=initiative).order_by("pk"))
    target = events[len(events) // 2]
    # The test's transaction holds deferred foreign-key checks; ALTER TABLE needs them done.
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    raw("ALTER TABLE initiatives_activityevent DISABLE TRIGGER activity_append_only")
    try:
        raw(
            "UPDATE initiatives_activityevent SET summary = 'Signed off by nobody' WHERE id = %s",
            [target.pk],
        )
    finally:
        raw("ALTER TABLE initiatives_activityevent ENABLE TRIGGER activity_append_only")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", stderr=err)
    assert f"{initiative.key}: event #{target.pk} ({target.verb})" in err.getvalue()
    assert "altered" in err.getvalue()
