"""Dates in the past are history: a new milestone, a new delivery date or a target date before
the team's today is refused (service, API 400 ``date_in_past``, web form error) unless an
engineering manager imports history with ``backfill``; and what counts as a slip, a pull-in
or planning (``rules.dates``), in Python and in SQL alike."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from initiatives import services
from initiatives.models import ActivityEvent, Milestone, MilestoneSlip, State
from initiatives.rules.dates import PLANNING, PULL_IN, SLIP, change_kind, date_moves
from initiatives.rules.exceptions import NotAllowed, ValidationFailed
from initiatives.selectors.portfolio import date_move_annotations, moves_of
from tests.factories import make_initiative
from tests.weekly.conftest import move, travel, utc

pytestmark = pytest.mark.django_db

# Tue 1 Dec 2026 11:30 UTC: already Wed 2 Dec in Auckland, still Tue 1 Dec in UTC.
NOW = utc("2026-12-01 11:30")


@pytest.fixture
def delivering(team, people):
    with travel(NOW):
        return move(make_initiative(team, people["dri"]), people["em"], State.SCOPING,
                    State.READY, State.IN_DELIVERY)  # fmt: skip


def create(initiative, actor, due, **kwargs):
    with travel(NOW):
        return services.milestone_create(
            initiative=initiative, actor=actor, title="Pilot", due_date=due, **kwargs
        )


def test_a_milestone_due_before_today_is_refused_and_nothing_is_written(delivering, people):
    events = ActivityEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        create(delivering, people["dri"], dt.date(2026, 11, 30))
    assert refused.value.code == "date_in_past"
    assert "30 Nov 2026 is in the past" in refused.value.fields["due_date"][0]
    assert not Milestone.objects.exists() and ActivityEvent.objects.count() == events
    assert create(delivering, people["dri"], dt.date(2026, 12, 1)).pk  # today is fine


def test_today_is_the_teams_date(team, delivering, people):
    team.time_zone = "Pacific/Auckland"
    team.save()
    with pytest.raises(ValidationFailed):  # 1 Dec is yesterday in Auckland
        create(delivering, people["dri"], dt.date(2026, 12, 1))
    assert create(delivering, people["dri"], dt.date(2026, 12, 2)).pk


def test_an_em_imports_history_with_backfill_and_nobody_else_may(delivering, people):
    past = dt.date(2026, 6, 1)
    with pytest.raises(NotAllowed) as refused:
        create(delivering, people["dri"], past, backfill=True)
    assert refused.value.code == "backfill_not_allowed"
    milestone = create(delivering, people["em"], past, backfill=True)
    assert (milestone.due_date, milestone.original_due_date) == (past, past)
    event = ActivityEvent.objects.get(verb="milestone.created")
    assert event.after["backfill"] is True


def test_moving_a_date_into_the_past_is_refused_unless_backfilled(delivering, people):
    milestone = create(delivering, people["dri"], dt.date(2026, 12, 10))
    with travel(NOW), pytest.raises(ValidationFailed) as refused:
        services.milestone_update(
            milestone=milestone, actor=people["dri"], changes={"due_date": dt.date(2026, 11, 1)}
        )
    assert refused.value.code == "date_in_past"
    assert not MilestoneSlip.objects.exists()
    with travel(NOW):
        services.milestone_update(
            milestone=milestone,
            actor=people["em"],
            changes={"due_date": dt.date(2026, 11, 1)},
            backfill=True,
        )
    assert MilestoneSlip.objects.get().new_date == dt.date(2026, 11, 1)


def test_a_target_date_in_the_past_is_refused(delivering, people):
    with travel(NOW), pytest.raises(ValidationFailed) as refused:
        services.initiative_update(
            initiative=delivering,
            actor=people["dri"],
            changes={"target_date": dt.date(2026, 1, 1)},
        )
    assert refused.value.code == "date_in_past" and "target_date" in refused.value.fields
    with travel(NOW):
        services.initiative_update(
            initiative=delivering,
            actor=people["em"],
            changes={"target_date": dt.date(2026, 1, 1)},
            backfill=True,
        )
    delivering.refresh_from_db()
    assert delivering.target_date == dt.date(2026, 1, 1)


def test_the_api_answers_400_and_only_an_em_backfills(delivering, people):
    clients = {}
    for role in ("dri", "em"):
        clients[role] = APIClient()
        clients[role].force_login(people[role])
    url = reverse("api-initiative-milestones", kwargs={"key": delivering.key})
    past = {"title": "Pilot", "due_date": "2026-11-02"}
    with travel(NOW):
        refused = clients["dri"].post(url, past, format="json")
        forbidden = clients["dri"].post(url, {**past, "backfill": True}, format="json")
        imported = clients["em"].post(url, {**past, "backfill": True}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "date_in_past"
    assert "due_date" in refused.json()["fields"]
    assert forbidden.status_code == 403
    assert imported.status_code == 201 and imported.json()["due_date"] == "2026-11-02"
    assert Milestone.objects.count() == 1


def test_the_web_form_shows_the_refusal_on_the_field(client, delivering, people):
    client.force_login(people["dri"])
    url = reverse("milestone-create", kwargs={"key": delivering.key})
    with travel(NOW):
        response = client.post(url, {"title": "Pilot", "due_date": "2026-11-02"})
    assert response.status_code == 400  # the form again, with the error
    assert "2 Nov 2026 is in the past" in response.content.decode()
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "changed", "kind"),
    [
        (10, 20, -1, PLANNING),  # before it started
        (10, 20, 0, SLIP),
        (20, 10, 1, PULL_IN),
        (10, 10, 1, PLANNING),
    ],
)
def test_change_kind(old, new, changed, kind):
    started = utc("2026-12-01 12:00")
    assert (
        change_kind(
            old=dt.date(2026, 12, old),
            new=dt.date(2026, 12, new),
            changed_at=started + dt.timedelta(hours=changed),
            started_at=started,
        )
        == kind
    )
    unstarted = change_kind(old=dt.date(2026, 12, old), new=dt.date(2026, 12, new),
                            changed_at=started, started_at=None)  # fmt: skip
    assert unstarted == PLANNING


def test_sql_and_python_count_the_same_slips_and_pull_ins(delivering, people):
    milestone = create(delivering, people["dri"], dt.date(2026, 12, 10))

    def reschedule(day, hour):
        with travel(NOW + dt.timedelta(hours=hour)):
            services.milestone_update(
                milestone=milestone,
                actor=people["dri"],
                changes={"due_date": dt.date(2026, 12, day)},
                slip_reason="re-planned",
            )

    reschedule(20, 1)  # planning
    with travel(NOW + dt.timedelta(hours=2)):
        services.milestone_transition(milestone=milestone, actor=people["dri"], to="in_progress")
    reschedule(25, 3)  # +5
    reschedule(22, 4)  # -3
    reschedule(31, 5)  # +9
    milestone.refresh_from_db()
    python = date_moves(milestone.slips.all(), milestone.started_at)
    sql = moves_of(Milestone.objects.annotate(**date_move_annotations()).get())
    assert (python.slips, python.slip_days, python.pull_ins, python.pull_in_days) == (2, 14, 1, 3)
    assert (sql.slips, sql.slip_days, sql.pull_ins, sql.pull_in_days) == (2, 14, 1, 3)
    assert python.net_days == 11 and python.committed == dt.date(2026, 12, 20)


def test_dates_outside_the_current_year_show_the_year():
    from django.template import Context, Template

    template = Template(
        "{% load dates %}{{ a|day:today }} / {{ b|day:today }} / {{ b|weekday:today }}"
    )
    today = dt.date(2026, 12, 1)
    text = template.render(
        Context({"a": dt.date(2026, 6, 1), "b": dt.date(2025, 6, 1), "today": today})
    )
    assert text == "1 Jun / 1 Jun 2025 / Sun 1 Jun 2025"


def test_a_new_initiative_with_a_past_target_date_is_refused_unless_an_em_backfills(team, people):
    api = {}
    for role in ("dri", "em"):
        api[role] = APIClient()
        api[role].force_login(people[role])
    url = reverse("api-initiatives")
    past = {"team": team.key, "title": "Imported", "target_date": "2026-01-01"}
    with travel(NOW):
        refused = api["dri"].post(url, past, format="json")
        not_em = api["dri"].post(url, {**past, "backfill": True}, format="json")
        backfilled = api["em"].post(url, {**past, "backfill": True}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "date_in_past"
    assert not_em.status_code == 403 and not_em.json()["code"] == "backfill_not_allowed"
    assert backfilled.status_code == 201
    assert backfilled.json()["target_date"] == "2026-01-01"
    assert team.initiatives.count() == 1


def test_an_initiative_edit_backfills_a_past_target_date_through_the_api(delivering, people):
    client = APIClient()
    client.force_login(people["em"])
    url = reverse("api-initiative", args=[delivering.key])
    with travel(NOW):
        refused = client.patch(url, {"target_date": "2026-01-01"}, format="json")
        backfilled = client.patch(
            url, {"target_date": "2026-01-01", "backfill": True}, format="json"
        )
    assert refused.status_code == 400 and refused.json()["code"] == "date_in_past"
    assert backfilled.status_code == 200 and backfilled.json()["target_date"] == "2026-01-01"
