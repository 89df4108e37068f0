"""Goals, key results, check-ins and links through the services: what they write, the one
audit event of each, and every refusal (role, input, state)."""

import datetime as dt

import pytest

from initiatives.goals import services as goals
from initiatives.goals.models import CheckIn, GoalStatus, KRKind
from initiatives.models import ActivityEvent, State
from initiatives.rules.exceptions import Conflict, NotAllowed, NotFound, ValidationFailed
from tests.factories import make_initiative
from tests.goals.conftest import make_goal, make_monitor, make_result, travel, utc

pytestmark = pytest.mark.django_db


def events(verb):
    return list(ActivityEvent.objects.filter(verb=verb).order_by("pk"))


def test_a_goal_gets_its_period_end_and_one_event(team, people, cloud):
    goal = make_goal(team, people["engineer"], shared_with=[cloud["team"]])
    assert (goal.starts_on, goal.ends_on, goal.owner) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
        people["engineer"],
    )
    half = make_goal(team, people["em"], period="half", starts_on=dt.date(2026, 7, 1))
    assert half.ends_on == dt.date(2026, 12, 31)
    [event] = events("goal.created")[:1]
    assert event.team_id == team.pk and event.after["shared_with"] == ["CLOUD"]
    assert list(goal.shared_with.all()) == [cloud["team"]]


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_viewers_and_outsiders_cannot_set_goals(team, people, role):
    error = NotAllowed if role == "viewer" else NotFound
    with pytest.raises(error):
        make_goal(team, people[role])


def test_goal_input_is_checked(team, people):
    with pytest.raises(ValidationFailed) as refused:
        make_goal(team, people["em"], ends_on=dt.date(2026, 9, 1))
    assert refused.value.code == "invalid_period"
    with pytest.raises(ValidationFailed):
        make_goal(team, people["em"], title="   ")
    with pytest.raises(ValidationFailed):
        make_goal(team, people["em"], description="x" * 20_001)
    with pytest.raises(ValidationFailed) as refused:
        make_goal(team, people["em"], owner=people["viewer"])
    assert refused.value.code == "not_contributor"
    with pytest.raises(ValidationFailed) as refused:
        make_goal(team, people["em"], shared_with=[team])
    assert refused.value.code == "own_team"
    with pytest.raises(ValidationFailed) as refused:
        make_goal(team, people["em"], starts_on=dt.date(9999, 12, 1))
    assert refused.value.code == "invalid_period"


def test_editing_a_goal_records_what_changed_and_checks_the_version(goal, people, cloud):
    goals.goal_update(
        goal=goal, actor=people["engineer"],
        changes={"status": GoalStatus.AT_RISK, "shared_with": [cloud["team"]]},
    )  # fmt: skip
    goal.refresh_from_db()
    assert goal.status == "at_risk" and goal.version == 2
    [event] = events("goal.updated")
    assert event.before == {"status": "on_track", "shared_with": []}
    assert event.after == {"status": "at_risk", "shared_with": ["CLOUD"]}
    with pytest.raises(Exception) as stale:
        goals.goal_update(goal=goal, actor=people["em"], changes={"title": "X"}, expected_version=1)
    assert getattr(stale.value, "code", "") == "stale_write"
    with pytest.raises(ValidationFailed):
        goals.goal_update(goal=goal, actor=people["em"], changes={"ends_on": dt.date(2026, 1, 1)})
    with pytest.raises(ValidationFailed):
        goals.goal_update(goal=goal, actor=people["em"], changes={"team": 3})
    with pytest.raises(NotAllowed):
        goals.goal_update(goal=goal, actor=people["viewer"], changes={"title": "X"})
    with pytest.raises(NotAllowed):  # CLOUD sees the goal shared with it, but cannot edit it
        goals.goal_update(goal=goal, actor=cloud["em"], changes={"title": "X"})
    with pytest.raises(NotFound):
        goals.goal_update(goal=goal, actor=people["outsider"], changes={"title": "X"})


def test_key_results_need_a_measure_that_adds_up(goal, people):
    kr = make_result(goal, people["dri"])
    assert (kr.kind, kr.direction, kr.owner) == ("result", "increase", people["dri"])
    monitor = make_monitor(goal, people["dri"], owner=people["engineer"])
    assert monitor.owner == people["engineer"]
    for bad in (
        {"target": 70.0},  # below the baseline, to increase
        {"direction": "band", "band_low": 1.0, "band_high": 2.0},  # a result in a band
        {"kind": "monitor", "direction": "band"},  # no band
        {"kind": "sideways"},
        {"unit": "x" * 31},
    ):
        with pytest.raises(ValidationFailed):
            make_result(goal, people["dri"], **bad)
    with pytest.raises(NotAllowed):
        make_result(goal, people["viewer"])
    [created] = events("key_result.created")[:1]
    assert created.after["kind"] == "result"


def test_editing_a_key_result(goal, people):
    kr = make_result(goal, people["dri"])
    goals.key_result_update(key_result=kr, actor=people["em"], changes={"target": 99.0})
    kr.refresh_from_db()
    assert kr.target == 99.0 and kr.version == 2
    with pytest.raises(ValidationFailed) as refused:
        goals.key_result_update(key_result=kr, actor=people["em"], changes={"target": 10.0})
    assert refused.value.code == "invalid_measure"


def test_one_check_in_per_week_and_a_second_revises_it(goal, people):
    kr = make_result(goal, people["dri"])
    with travel(utc("2026-11-16 09:00")):  # Monday of 2026-W47
        first = goals.check_in(key_result=kr, actor=people["dri"], value=82, confidence=70)
    with travel(utc("2026-11-19 15:00")):  # Thursday, the same week
        again = goals.check_in(
            key_result=kr, actor=people["em"], value=84, confidence_level="at_risk", note="flaky"
        )
    assert again.pk == first.pk
    entry = CheckIn.objects.get()
    assert (entry.week, entry.value, entry.confidence, entry.confidence_level, entry.author) == (
        "2026-W47",
        84,
        None,
        "at_risk",
        people["em"],
    )
    assert [(r["value"], r["confidence"], r["author"]) for r in entry.revisions] == [
        (82, 70, people["dri"].pk)
    ]
    with travel(utc("2026-11-23 09:00")):  # the next week: a new check-in
        goals.check_in(key_result=kr, actor=people["dri"], value=86)
    assert list(CheckIn.objects.values_list("week", flat=True)) == ["2026-W47", "2026-W48"]
    assert len(events("key_result.checked_in")) == 2
    [revised] = events("key_result.check_in_revised")
    assert revised.before["value"] == 82 and revised.after["value"] == 84


def test_the_week_is_the_teams(goal, people, team):
    team.time_zone = "Pacific/Auckland"
    team.save()
    kr = make_result(goal, people["dri"])
    with travel(utc("2026-11-22 12:00")):  # Sunday noon UTC: Monday 01:00 in Auckland
        entry = goals.check_in(key_result=kr, actor=people["dri"], value=81)
    assert entry.week == "2026-W48"


@pytest.mark.parametrize("role", ["engineer", "pm", "viewer"])
def test_only_the_owner_or_an_em_checks_in(goal, people, role):
    kr = make_result(goal, people["dri"])
    with pytest.raises(NotAllowed):
        goals.check_in(key_result=kr, actor=people[role], value=1)


def test_check_in_refusals(goal, people):
    kr = make_result(goal, people["dri"])
    with pytest.raises(NotFound):
        goals.check_in(key_result=kr, actor=people["outsider"], value=1)
    for bad in (
        {"value": 1e13},
        {"value": 1, "confidence": 101},
        {"value": 1, "note": "x" * 20_001},
        {"value": 1, "confidence_level": "meh"},
    ):
        with pytest.raises(ValidationFailed):
            goals.check_in(key_result=kr, actor=people["dri"], **bad)
    goals.goal_update(goal=goal, actor=people["em"], changes={"status": GoalStatus.ACHIEVED})
    kr.goal.refresh_from_db()
    with pytest.raises(Conflict) as closed:
        goals.check_in(key_result=kr, actor=people["dri"], value=1)
    assert closed.value.code == "goal_closed"
    assert not CheckIn.objects.exists()


def test_initiatives_link_to_key_results_of_their_team_and_shared_goals(goal, people, team, cloud):
    kr = make_result(goal, people["dri"])
    monitor = make_monitor(goal, people["dri"])
    initiative = make_initiative(team, people["dri"])
    goals.key_result_link(key_result=kr, initiative=initiative, actor=people["engineer"])
    goals.key_result_link(key_result=monitor, initiative=initiative, actor=people["engineer"])
    assert sorted(initiative.key_results.values_list("pk", flat=True)) == [kr.pk, monitor.pk]
    [first, second] = events("initiative.key_results_changed")
    assert first.initiative_id == initiative.pk and second.after == {
        "key_results": [kr.pk, monitor.pk]
    }
    # Linking again changes nothing and records nothing.
    goals.key_result_link(key_result=kr, initiative=initiative, actor=people["engineer"])
    assert len(events("initiative.key_results_changed")) == 2
    goals.key_result_unlink(key_result=kr, initiative=initiative, actor=people["em"])
    assert list(initiative.key_results.all()) == [monitor]
    with pytest.raises(NotFound):
        goals.key_result_unlink(key_result=kr, initiative=initiative, actor=people["em"])

    # Another team's initiative: only once the goal is shared with its team.
    theirs = make_initiative(cloud["team"], cloud["engineer"])
    with pytest.raises(ValidationFailed) as refused:
        goals.key_result_link(key_result=kr, initiative=theirs, actor=cloud["engineer"])
    assert refused.value.code == "unknown_key_result"
    goals.goal_update(goal=goal, actor=people["em"], changes={"shared_with": [cloud["team"]]})
    goals.key_result_link(key_result=kr, initiative=theirs, actor=cloud["engineer"])
    assert list(kr.initiatives.order_by("pk")) == [theirs]


def test_link_refusals(goal, people, team):
    kr = make_result(goal, people["dri"])
    initiative = make_initiative(team, people["dri"])
    with pytest.raises(NotAllowed):
        goals.key_result_link(key_result=kr, initiative=initiative, actor=people["viewer"])
    with pytest.raises(NotFound):
        goals.key_result_link(key_result=kr, initiative=initiative, actor=people["outsider"])
    with pytest.raises(ValidationFailed) as refused:
        goals.initiative_key_results_set(
            initiative=initiative, actor=people["dri"], key_results=[kr.pk, 999_999]
        )
    assert refused.value.code == "unknown_key_result"
    initiative.state = State.CANCELLED
    initiative.save()
    with pytest.raises(Conflict):
        goals.key_result_link(key_result=kr, initiative=initiative, actor=people["dri"])
    assert not initiative.key_results.exists()


def test_kinds_are_exposed_as_words(goal, people):
    assert make_monitor(goal, people["dri"]).get_kind_display() == KRKind.MONITOR.label


def test_an_em_records_an_earlier_week_of_the_period_and_nobody_else(goal, people):
    kr = make_result(goal, people["dri"])
    with travel(utc("2026-11-18 09:00")):  # 2026-W47
        entry = goals.check_in(key_result=kr, actor=people["em"], value=81, week="2026-W45")
        assert entry.week == "2026-W45"
        with pytest.raises(NotAllowed):
            goals.check_in(key_result=kr, actor=people["dri"], value=81, week="2026-W46")
        for week in ("2026-W39", "2026-W48"):  # before the goal's period; a week to come
            with pytest.raises(ValidationFailed):
                goals.check_in(key_result=kr, actor=people["em"], value=81, week=week)


def test_members_of_a_team_a_goal_is_shared_with_may_not_check_in(goal, people, cloud):
    """They see the goal: 403 (NotAllowed) like every other edit, not 404; a member of a team
    it is not shared with finds nothing (NotFound)."""
    kr = make_result(goal, people["dri"])
    goals.goal_update(goal=goal, actor=people["em"], changes={"shared_with": [cloud["team"]]})
    with pytest.raises(NotAllowed):
        goals.check_in(key_result=kr, actor=cloud["em"], value=85)
    with pytest.raises(NotFound):
        goals.check_in(key_result=kr, actor=people["outsider"], value=85)
    assert not CheckIn.objects.exists()
