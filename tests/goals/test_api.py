"""The goals API: a team's goals, a goal, its key results, a key result and its check-ins, and
``key_results`` on initiatives; every answer is checked against the published schema
(``tests/api``'s fixtures), and the lists' query budgets."""

from __future__ import annotations

import pytest

from initiatives.goals import services as goals
from initiatives.goals.models import CheckIn, Goal
from tests.api.conftest import _answers_match_the_schema, _api_isolation, token_client  # noqa: F401
from tests.factories import make_initiative
from tests.goals.conftest import make_goal, make_monitor, make_result

pytestmark = pytest.mark.django_db

B = "/api/v1"


@pytest.fixture
def api(people, token_client):  # noqa: F811
    return {role: token_client(user) for role, user in people.items()}


def test_set_a_goal_add_key_results_check_in_and_read_them_back(
    team,
    people,
    api,
    cloud,
    token_client,  # noqa: F811
):
    made = api["engineer"].post(
        f"{B}/teams/PLAT/goals/",
        {"title": "Easiest to deploy", "starts_on": "2026-10-01", "owner": "dri",
         "shared_with": ["cloud"], "description": "**Self-hosted**"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    goal = made.json()
    assert (goal["team"], goal["ends_on"], goal["owner"]["username"], goal["shared_with"]) == (
        "PLAT",
        "2026-12-31",
        "dri",
        ["CLOUD"],
    )
    assert made["ETag"] == '"1"'
    result = api["engineer"].post(
        f"{B}/goals/{goal['id']}/key-results/",
        {"title": "Successful installs", "owner": "dri", "unit": " %", "baseline": 80,
         "target": 95},
        format="json",
    )  # fmt: skip
    assert result.status_code == 201, result.json()
    monitor = api["engineer"].post(
        f"{B}/goals/{goal['id']}/key-results/",
        {"title": "On the latest version", "kind": "monitor", "direction": "band",
         "band_low": 60, "band_high": 100},
        format="json",
    )  # fmt: skip
    assert monitor.status_code == 201
    assert monitor.json()["standing"] == "no_check_in"
    kr = result.json()["id"]
    first = api["dri"].post(
        f"{B}/key-results/{kr}/check-ins/", {"value": 83, "confidence": 80}, format="json"
    )
    assert first.status_code == 201 and first.json()["revisions"] == []
    again = api["dri"].post(
        f"{B}/key-results/{kr}/check-ins/", {"value": 87.5, "confidence_level": "at_risk"},
        format="json",
    )  # fmt: skip
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert [r["value"] for r in again.json()["revisions"]] == [83]
    read = api["dri"].get(f"{B}/key-results/{kr}/").json()
    assert (read["latest_value"], read["progress"]) == (87.5, 50)
    listed = api["viewer"].get(f"{B}/key-results/{kr}/check-ins/").json()
    assert listed["count"] == 1 and listed["results"][0]["value"] == 87.5
    krs = api["viewer"].get(f"{B}/goals/{goal['id']}/key-results/").json()
    assert [k["title"] for k in krs["results"]] == ["Successful installs", "On the latest version"]
    # The team it is shared with sees it (listed under its own team too), read-only.
    theirs = token_client(cloud["engineer"])
    assert [g["id"] for g in theirs.get(f"{B}/teams/CLOUD/goals/").json()["results"]] == [
        goal["id"]
    ]
    assert theirs.get(f"{B}/goals/{goal['id']}/").status_code == 200
    # They see it; only PLAT changes it.
    refused = theirs.patch(f"{B}/goals/{goal['id']}/", {"title": "Mine"}, format="json")
    assert refused.status_code == 403


def test_editing_with_if_match(team, people, api):
    goal = make_goal(team, people["em"])
    url = f"{B}/goals/{goal.pk}/"
    tag = api["em"].get(url)["ETag"]
    changed = api["em"].patch(url, {"status": "at_risk"}, format="json", HTTP_IF_MATCH=tag)
    assert changed.status_code == 200 and changed.json()["status"] == "at_risk"
    stale = api["em"].patch(url, {"status": "off_track"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412 and stale.json()["code"] == "stale_write"
    kr = make_result(goal, people["em"])
    kr_url = f"{B}/key-results/{kr.pk}/"
    assert api["em"].patch(kr_url, {"target": 99}, format="json").json()["target"] == 99
    refused = api["em"].patch(kr_url, {"target": 1}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_measure"


def test_refusals_for_every_role_and_bad_input(team, people, api):
    goal = make_goal(team, people["em"])
    kr = make_result(goal, people["dri"])
    assert api["outsider"].get(f"{B}/teams/PLAT/goals/").status_code == 404
    assert api["outsider"].get(f"{B}/goals/{goal.pk}/").status_code == 404
    assert api["outsider"].get(f"{B}/key-results/{kr.pk}/").status_code == 404
    assert api["outsider"].get(f"{B}/key-results/{kr.pk}/check-ins/").status_code == 404
    body = {"title": "X", "starts_on": "2026-10-01"}
    assert api["viewer"].post(f"{B}/teams/PLAT/goals/", body, format="json").status_code == 403
    assert (
        api["viewer"].patch(f"{B}/goals/{goal.pk}/", {"title": "Y"}, format="json").status_code
        == 403
    )
    for role in ("engineer", "pm", "viewer", "security"):
        answer = api[role].post(f"{B}/key-results/{kr.pk}/check-ins/", {"value": 1}, format="json")
        assert answer.status_code == 403, role
    assert (
        api["em"]
        .post(f"{B}/key-results/{kr.pk}/check-ins/", {"value": 1}, format="json")
        .status_code
        == 201
    )
    bad = api["em"].post(f"{B}/teams/PLAT/goals/", {**body, "ends_on": "2026-09-01"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_period"
    unknown = api["em"].post(
        f"{B}/teams/PLAT/goals/", {**body, "shared_with": ["NOPE"]}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_team"
    for wrong in ({"value": "high"}, {"value": 1, "confidence": 101}, {"value": 1, "extra": 1}, {}):
        answer = api["em"].post(f"{B}/key-results/{kr.pk}/check-ins/", wrong, format="json")
        assert answer.status_code == 400 and answer.json()["code"] == "invalid", wrong
    assert api["em"].get(f"{B}/goals/999999/").status_code == 404
    goals.goal_update(goal=goal, actor=people["em"], changes={"status": "dropped"})
    closed = api["em"].post(f"{B}/key-results/{kr.pk}/check-ins/", {"value": 2}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "goal_closed"
    assert CheckIn.objects.count() == 1


def test_key_results_on_initiatives_read_and_write(team, people, api, cloud):
    goal = make_goal(team, people["em"])
    kr, monitor = make_result(goal, people["dri"]), make_monitor(goal, people["dri"])
    initiative = make_initiative(team, people["dri"])
    url = f"{B}/initiatives/{initiative.key}/"
    assert api["dri"].get(url).json()["key_results"] == []
    changed = api["dri"].patch(url, {"key_results": [monitor.pk, kr.pk]}, format="json")
    assert changed.status_code == 200 and changed.json()["key_results"] == [kr.pk, monitor.pk]
    assert api["dri"].get(f"{B}/key-results/{kr.pk}/").json()["initiatives"] == [initiative.key]
    theirs_goal = make_goal(cloud["team"], cloud["em"])
    theirs = make_result(theirs_goal, cloud["em"])
    refused = api["dri"].patch(url, {"key_results": [theirs.pk]}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_key_result"
    assert api["viewer"].patch(url, {"key_results": []}, format="json").status_code == 403
    assert api["dri"].patch(url, {"key_results": []}, format="json").json()["key_results"] == []


def test_the_goal_list_costs_a_fixed_number_of_queries(
    team, people, api, cloud, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            goal = make_goal(
                team,
                people["em"],
                title=f"Goal {Goal.objects.count()}",
                shared_with=[cloud["team"]],
            )
            make_result(goal, people["em"])
            make_monitor(goal, people["em"])

    add(1)
    client = api["viewer"]
    client.get(f"{B}/teams/PLAT/goals/")  # warm: the token's first use writes its last use
    with django_assert_max_num_queries(6) as small:
        assert client.get(f"{B}/teams/PLAT/goals/").status_code == 200
    add(10)
    with django_assert_max_num_queries(6) as large:
        assert client.get(f"{B}/teams/PLAT/goals/?page_size=50").json()["count"] == 11
    assert len(large.captured_queries) == len(small.captured_queries)
    print(f"goal API list: {len(large.captured_queries)} queries for 11 goals")
    kr_url = f"{B}/goals/{Goal.objects.first().pk}/key-results/"
    # The token, the goal (its shared teams, key result ids, the caller's role), the count, the
    # page of key results with their latest check-in, the contributing initiatives.
    with django_assert_max_num_queries(8):
        assert client.get(kr_url).status_code == 200
