"""The goals pages: the team's goals, a goal's page (key results, charts, check-ins, links,
contributing initiatives), the forms without JavaScript, refusals, and the query budgets."""

import pytest
from django.urls import reverse

from initiatives.goals import services as goals
from initiatives.goals.models import CheckIn, Goal, KeyResult
from tests.factories import make_initiative
from tests.goals.conftest import make_goal, make_monitor, make_result

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_create_a_goal_add_key_results_check_in_and_link_without_javascript(client, team, people):
    initiative = make_initiative(team, people["dri"], title="Self-serve installer")
    login(client, people["engineer"])
    board = client.get(reverse("team-detail", args=["PLAT"])).content.decode()
    assert reverse("goals-team", args=["PLAT"]) in board
    assert client.get(reverse("goals-team", args=["PLAT"])).status_code == 200
    made = client.post(
        reverse("goal-create", args=["PLAT"]),
        {"title": "Easiest to deploy", "period": "quarter", "starts_on": "2026-10-01",
         "status": "on_track", "owner": people["dri"].pk},
    )  # fmt: skip
    goal = Goal.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("goal-detail", args=[goal.pk])
    added = client.post(
        reverse("key-result-create", args=[goal.pk]),
        {"title": "Successful installs", "kind": "result", "direction": "increase", "unit": " %",
         "baseline": "80", "target": "95", "owner": people["engineer"].pk},
    )  # fmt: skip
    assert added.status_code == 302
    kr = KeyResult.objects.get()
    client.post(reverse("key-result-check-in", args=[kr.pk]), {"value": "83", "confidence": "70"})
    client.post(reverse("key-result-check-in", args=[kr.pk]), {"value": "86", "note": "fixed"})
    entry = CheckIn.objects.get()
    assert entry.value == 86 and len(entry.revisions) == 1
    linked = client.post(reverse("key-result-link", args=[kr.pk]), {"initiative": initiative.key})
    assert linked.status_code == 302
    page = client.get(reverse("goal-detail", args=[goal.pk])).content.decode()
    assert "Successful installs" in page and "<svg" in page and "40 %" in page
    assert initiative.key in page and "Self-serve installer" in page
    assert "revised 1 time" in page
    shown = client.get(initiative.get_absolute_url()).content.decode()
    assert "Key results it serves" in shown and "Successful installs" in shown


def test_bad_input_is_shown_on_the_form(client, team, people):
    login(client, people["em"])
    bad = client.post(
        reverse("goal-create", args=["PLAT"]),
        {"title": "X", "period": "quarter", "starts_on": "2026-10-01", "ends_on": "2026-09-01",
         "status": "on_track"},
    )  # fmt: skip
    assert bad.status_code == 400 and "The end must come after the start." in bad.content.decode()
    goal = make_goal(team, people["em"])
    measure = client.post(
        reverse("key-result-create", args=[goal.pk]),
        {"title": "X", "kind": "result", "direction": "increase", "baseline": "5", "target": "1"},
    )
    assert measure.status_code == 400
    assert "the target must be above the baseline" in measure.content.decode()
    kr = make_result(goal, people["em"])
    after = client.post(
        reverse("key-result-check-in", args=[kr.pk]), {"value": "lots"}, follow=True
    )
    assert "Value:" in after.content.decode() and not CheckIn.objects.exists()


def test_refusals(client, team, people):
    goal = make_goal(team, people["em"])
    kr = make_result(goal, people["dri"])
    login(client, people["outsider"])
    for url in (
        reverse("goals-team", args=["PLAT"]),
        reverse("goal-detail", args=[goal.pk]),
        reverse("goal-edit", args=[goal.pk]),
        reverse("key-result-edit", args=[kr.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("key-result-check-in", args=[kr.pk]), {"value": "1"}).status_code == 404
    )
    login(client, people["viewer"])
    page = client.get(reverse("goal-detail", args=[goal.pk])).content.decode()
    assert "Edit goal" not in page and "Check in for" not in page
    assert client.get(reverse("goal-create", args=["PLAT"])).status_code == 403
    assert client.get(reverse("goal-edit", args=[goal.pk])).status_code == 403
    assert (
        client.post(reverse("key-result-check-in", args=[kr.pk]), {"value": "1"}).status_code == 403
    )
    login(client, people["engineer"])  # not the owner
    assert (
        client.post(reverse("key-result-check-in", args=[kr.pk]), {"value": "1"}).status_code == 403
    )
    assert client.get(reverse("key-result-check-in", args=[kr.pk])).status_code == 405
    client.logout()
    assert client.get(reverse("goal-detail", args=[goal.pk])).status_code == 302


def test_shared_goals_show_on_the_other_teams_list_and_take_its_initiatives(
    client, team, people, cloud
):
    goal = make_goal(team, people["em"], shared_with=[cloud["team"]])
    kr = make_result(goal, people["em"])
    theirs = make_initiative(cloud["team"], cloud["engineer"], title="Cloud installer")
    login(client, cloud["engineer"])
    listed = client.get(reverse("goals-team", args=["CLOUD"])).content.decode()
    assert "Shared with CLOUD" in listed and goal.title in listed
    page = client.get(reverse("goal-detail", args=[goal.pk])).content.decode()
    assert "Edit goal" not in page and theirs.key in page  # offered for linking
    client.post(reverse("key-result-link", args=[kr.pk]), {"initiative": theirs.key})
    assert list(kr.initiatives.all()) == [theirs]
    # They see it but only PLAT edits it.
    assert client.get(reverse("goal-edit", args=[goal.pk])).status_code == 403


def _fill(team, people, goals_count, krs_each, check_ins, initiatives):
    for g in range(goals_count):
        goal = make_goal(team, people["em"], title=f"Goal {g}")
        for k in range(krs_each):
            kr = (make_result if k % 2 == 0 else make_monitor)(goal, people["em"], title=f"KR {k}")
            for _ in range(check_ins):
                goals.check_in(key_result=kr, actor=people["em"], value=85)
            for i in initiatives:
                goals.key_result_link(key_result=kr, initiative=i, actor=people["em"])


def test_the_goal_page_and_the_list_cost_a_fixed_number_of_queries(
    client, team, people, django_assert_max_num_queries
):
    login(client, people["em"])
    _fill(team, people, 1, 1, 1, [make_initiative(team, people["dri"])])
    goal = Goal.objects.get()
    client.get(reverse("goal-detail", args=[goal.pk]))
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("goal-detail", args=[goal.pk])).status_code == 200
    with django_assert_max_num_queries(5) as small_list:
        assert client.get(reverse("goals-team", args=["PLAT"])).status_code == 200
    more = [make_initiative(team, people["dri"], title=f"I{i}") for i in range(5)]
    _fill(team, people, 5, 4, 1, more)
    for kr in KeyResult.objects.filter(goal=goal):
        for i in more:
            goals.key_result_link(key_result=kr, initiative=i, actor=people["em"])
        goals.key_result_update(key_result=kr, actor=people["em"], changes={"title": "Renamed"})
    with django_assert_max_num_queries(12) as large:
        assert client.get(reverse("goal-detail", args=[goal.pk])).status_code == 200
    with django_assert_max_num_queries(5) as large_list:
        assert client.get(reverse("goals-team", args=["PLAT"])).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large_list.captured_queries) == len(small_list.captured_queries)
    print(
        f"goal page: {len(large.captured_queries)} queries; "
        f"team goals: {len(large_list.captured_queries)} queries"
    )
