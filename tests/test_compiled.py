"""``initiatives.compiled.CompiledRead``: a queryset's SQL built once and run again with new
values gives what the queryset itself gives — the same rows, typed fields, related rows (empty
nullable ones too) and annotations — and a queryset it cannot replay is refused at once."""

import datetime as dt

import pytest
from django.db.models import F
from django.db.models.functions import Upper

from initiatives import services
from initiatives.compiled import CompiledRead
from initiatives.models import ActivityEvent, Initiative, Task, Team

BY_TEAM_AND_NUMBER: CompiledRead[Initiative] = CompiledRead(
    lambda key, number: (
        Initiative.objects.filter(team__key=key, number=number)
        .annotate(team_name=F("team__name"))
        .order_by()[:1]
    ),
    related=("team",),
    key=str,
    number=int,
)
TASK: CompiledRead[Task] = CompiledRead(
    lambda task_id: Task.objects.filter(pk=task_id).order_by()[:1],
    related=("milestone", "assignee"),
    task_id=int,
)
EVENT: CompiledRead[ActivityEvent] = CompiledRead(
    lambda event_id: ActivityEvent.objects.filter(pk=event_id).order_by()[:1],
    related=("initiative", "initiative__team"),
    event_id=int,
)


def test_rows_match_the_querysets_own(initiative):
    (row,) = BY_TEAM_AND_NUMBER.rows(key=initiative.team.key, number=initiative.number)
    fresh = Initiative.objects.get(pk=initiative.pk)
    assert row.pk == fresh.pk and row.title == fresh.title
    assert row.created_at == fresh.created_at and isinstance(row.created_at, dt.datetime)
    assert row.team_name == initiative.team.name
    assert isinstance(row.team, Team) and row.team.key == initiative.team.key


def test_the_same_sql_runs_with_other_values(initiative, team, people):
    other = services.initiative_create(team=team, actor=people["dri"], title="Second one")
    assert BY_TEAM_AND_NUMBER.rows(key=team.key, number=other.number)[0].pk == other.pk
    assert BY_TEAM_AND_NUMBER.rows(key=team.key, number=other.number + 50) == []
    assert BY_TEAM_AND_NUMBER.rows(key="NOPE", number=initiative.number) == []


def test_an_empty_nullable_relation_is_none_and_costs_no_query(
    initiative, people, django_assert_num_queries
):
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Loose")
    with django_assert_num_queries(1):
        (row,) = TASK.rows(task_id=task.pk)
        assert row.milestone is None and row.assignee is None
    assert row.title == "Loose"


def test_nested_relations_are_built_from_the_same_statement(initiative, django_assert_num_queries):
    event = ActivityEvent.objects.filter(initiative=initiative).latest("pk")
    with django_assert_num_queries(1):
        (row,) = EVENT.rows(event_id=event.pk)
        assert row.initiative.pk == initiative.pk
        assert row.initiative.team.key == initiative.team.key
        assert row.after == event.after  # a JSON column, converted as Django converts it


def test_a_queryset_that_changes_its_values_is_refused(db):
    changed = CompiledRead(
        lambda key: Team.objects.annotate(k=Upper("key")).filter(key__contains=key), key=str
    )
    with pytest.raises(ValueError, match="marker"):
        changed.rows(key="PLAT")
