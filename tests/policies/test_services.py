"""The policy, rank and blocked-by services: roles, values, events, the reads behind the
pages."""

import datetime as dt

import pytest

from initiatives import services
from initiatives.models import ActivityEvent, Initiative, Role, State
from initiatives.policies.models import TeamPolicy
from initiatives.policies.selectors import blockers_at_risk, dependencies_of, policy_flow
from initiatives.policies.services import dependency_add, initiative_rerank, team_policy_set
from initiatives.rules.exceptions import Conflict, NotAllowed, NotFound, ValidationFailed
from tests.factories import TeamFactory, make_initiative, member
from tests.policies.helpers import ready, start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["dri", "engineer", "pm", "security", "legal", "viewer"])
def test_only_the_em_sets_policies(team, people, role):
    with pytest.raises(NotAllowed):
        team_policy_set(team=team, actor=people[role], changes={"wip_team": 3})
    with pytest.raises(NotFound):
        team_policy_set(team=team, actor=people["outsider"], changes={"wip_team": 3})


def test_setting_policies_records_one_event_and_nothing_for_no_change(team, people):
    policy = team_policy_set(team=team, actor=people["em"], changes={"wip_team": 3, "wip_dri": 2})
    assert (policy.wip_team, policy.wip_dri, policy.version) == (3, 2, 2)
    events = ActivityEvent.objects.filter(verb="team.policies_changed")
    assert events.count() == 1 and events.get().after == {"wip_team": 3, "wip_dri": 2}
    team_policy_set(team=team, actor=people["em"], changes={"wip_team": 3})
    assert events.count() == 1
    team_policy_set(team=team, actor=people["em"], changes={"wip_team": None})
    assert TeamPolicy.objects.get().wip_team is None


@pytest.mark.parametrize(
    "changes",
    [
        {"wip_team": 0},
        {"wip_team": 101},
        {"wip_dri": True},
        {"pairing_min": 1},
        {"pairing_min": None},
        {"pairing_required": "yes"},
        {"rank": 1},
    ],
)
def test_bad_policy_values(team, people, changes):
    with pytest.raises(ValidationFailed):
        team_policy_set(team=team, actor=people["em"], changes=changes)


def test_rank_moves_to_a_place_and_clamps(team, people):
    a, _, _, d = (make_initiative(team, people["dri"], title=t) for t in "abcd")
    initiative_rerank(initiative=a, actor=people["em"], rank=99)
    order = lambda: list(Initiative.objects.order_by("rank").values_list("title", flat=True))  # noqa: E731
    assert order() == ["b", "c", "d", "a"]
    initiative_rerank(initiative=d, actor=people["pm"], rank=1)
    assert order() == ["d", "b", "c", "a"]
    initiative_rerank(initiative=d, actor=people["pm"], direction="up")  # already first
    assert order() == ["d", "b", "c", "a"]
    assert sorted(Initiative.objects.values_list("rank", flat=True)) == [1, 2, 3, 4]
    event = ActivityEvent.objects.filter(verb="initiative.reranked").latest("pk")
    assert event.before == {"rank": 3} and event.after["rank"] == 1
    with pytest.raises(ValidationFailed):
        initiative_rerank(initiative=d, actor=people["pm"], rank=0)
    with pytest.raises(ValidationFailed):
        initiative_rerank(initiative=d, actor=people["pm"], direction="sideways")


def test_rank_up_within_a_column_skips_other_states(team, people):
    em = people["em"]
    a = ready(team, people["dri"], em, title="a")
    make_initiative(team, people["dri"], title="b")  # discovery, between them
    c = ready(team, people["dri"], em, title="c")
    initiative_rerank(initiative=c, actor=em, direction="up", within_state=True)
    titles = list(Initiative.objects.order_by("rank").values_list("title", flat=True))
    assert titles == ["c", "a", "b"]
    assert a.state == c.state == State.READY


def test_new_initiatives_go_last_after_moves(team, people):
    _, b = (make_initiative(team, people["dri"], title=t) for t in "ab")
    initiative_rerank(initiative=b, actor=people["em"], rank=1)
    c = make_initiative(team, people["dri"], title="c")
    assert c.rank == 3
    assert list(Initiative.objects.order_by("rank").values_list("title", flat=True)) == [
        "b",
        "a",
        "c",
    ]


def test_blocked_by_and_blocking_as_each_viewer_sees_them(team, people):
    cloud = TeamFactory(key="CLOUD", name="Cloud")
    cloud_em = member(cloud, Role.EM, "cloud_em")
    from initiatives.models import Membership

    Membership.objects.create(team=team, user=cloud_em, role=Role.EM)
    blocker = make_initiative(team, people["dri"], title="Shared runner pool")
    theirs = make_initiative(cloud, cloud_em, title="Needs the pool")
    dependency_add(initiative=theirs, actor=cloud_em, blocker_key=blocker.key)
    # PLAT's DRI sees that something in another team waits, not what.
    seen = dependencies_of(blocker, people["dri"])
    assert seen.blocking == [] and seen.blocking_hidden == 1
    seen = dependencies_of(blocker, cloud_em)
    assert [d.key for d in seen.blocking] == [theirs.key] and seen.blocking_hidden == 0
    with pytest.raises(NotFound):
        dependency_add(initiative=blocker, actor=people["dri"], blocker_key=theirs.key)
    with pytest.raises(Conflict):
        dependency_add(initiative=blocker, actor=cloud_em, blocker_key=theirs.key)


def test_a_closed_initiative_blocks_nothing(team, people):
    a = make_initiative(team, people["dri"], title="a")
    b = make_initiative(team, people["dri"], title="b")
    from initiatives import services

    services.initiative_transition(
        initiative=b, to=State.CANCELLED, actor=people["dri"], reason="x"
    )
    with pytest.raises(Conflict) as refused:
        dependency_add(initiative=a, actor=people["dri"], blocker_key=b.key)
    assert refused.value.code == "dependency_closed"


def test_overdue_or_red_blockers_put_dependants_at_risk(team, people):
    today = dt.date.today()
    blocker = make_initiative(team, people["dri"], title="Blocker", target_date=today)
    fine = make_initiative(team, people["dri"], title="Fine")
    waiting = make_initiative(team, people["dri"], title="Waiting")
    also = make_initiative(team, people["dri"], title="Also waiting")
    dependency_add(initiative=waiting, actor=people["dri"], blocker_key=blocker.key)
    dependency_add(initiative=also, actor=people["dri"], blocker_key=fine.key)
    ids = [waiting.pk, also.pk]
    assert blockers_at_risk(ids, today) == {}
    assert blockers_at_risk(ids, today + dt.timedelta(days=1)) == {waiting.pk: [blocker.key]}
    services.status_update_post(
        initiative=fine, actor=people["dri"], health="off_track", risks="Stuck"
    )
    assert blockers_at_risk(ids, today) == {also.pk: [fine.key]}
    assert blockers_at_risk([], today) == {}


def test_policy_flow_lists_breaches_and_overrides(team, people, django_assert_max_num_queries):
    from django.utils import timezone

    TeamPolicy.objects.create(team=team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    start(first, people["dri"])
    second = ready(team, people["engineer"], people["em"])
    start(second, people["em"], override=True, reason="Incident")
    with django_assert_max_num_queries(3):
        flow = policy_flow([team.pk], timezone.now() - dt.timedelta(days=1))
    assert [(b.team.key, b.current, b.limit) for b in flow.breaches] == [("PLAT", 2, 1)]
    assert [e.after["reason"] for e in flow.overrides] == ["Incident"]
