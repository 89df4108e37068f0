"""The API of policies, ranks and blocked-by links: shapes, roles, refusal codes."""

import pytest

from initiatives.models import Initiative, Role
from initiatives.policies.models import Dependency
from tests.factories import TeamFactory, make_initiative, member
from tests.policies.helpers import ready, set_policy, start

pytestmark = pytest.mark.django_db

ROLES = ["dri", "engineer", "em", "pm", "security", "legal", "viewer", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_team_policies_are_read_by_members_and_changed_by_the_em(clients, people, role):
    read = clients[role].get("/api/v1/teams/PLAT/policies/")
    change = clients[role].patch(
        "/api/v1/teams/PLAT/policies/", {"wip_team": 3, "pairing_required": True}, format="json"
    )
    if role == "outsider":
        assert read.status_code == change.status_code == 404
        return
    assert read.status_code == 200
    assert read.json()["wip_team"] is None and read.json()["pairing_min"] == 2
    if role == "em":
        assert change.status_code == 200, change.json()
        assert change.json()["wip_team"] == 3 and change.json()["pairing_required"] is True
    else:
        assert change.status_code == 403 and change.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "body",
    [{"wip_team": 0}, {"wip_dri": 101}, {"pairing_min": 1}, {"pairing_required": "x"}, {"x": 1}],
)
def test_bad_policy_values_are_400(clients, body):
    response = clients["em"].patch("/api/v1/teams/PLAT/policies/", body, format="json")
    assert response.status_code == 400


def test_a_refused_start_answers_409_with_the_policies(clients, team, people):
    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    start(first, people["dri"])
    second = ready(team, people["engineer"], people["em"])
    response = clients["engineer"].post(
        f"/api/v1/initiatives/{second.key}/transition/", {"to": "in_delivery"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "gate_blocked" and body["gate"] == "in_delivery"
    assert body["policies"][0]["policy"] == "wip_team"
    assert body["policies"][0]["blocking"] == [first.key]
    assert body["detail"].startswith(f"Finish {first.key} first")
    # The EM's override passes it.
    response = clients["em"].post(
        f"/api/v1/initiatives/{second.key}/transition/",
        {"to": "in_delivery", "override": True, "reason": "Incident"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == "in_delivery"


def test_rank_is_read_and_written(clients, team, people):
    a, b, c = (make_initiative(team, people["dri"], title=t) for t in "abc")
    assert clients["viewer"].get(f"/api/v1/initiatives/{c.key}/").json()["rank"] == 3
    response = clients["pm"].patch(f"/api/v1/initiatives/{c.key}/", {"rank": 1}, format="json")
    assert response.status_code == 200 and response.json()["rank"] == 1
    ranks = dict(Initiative.objects.values_list("number", "rank"))
    assert ranks == {a.number: 2, b.number: 3, c.number: 1}
    listed = clients["viewer"].get("/api/v1/initiatives/", {"ordering": "rank"}).json()
    assert [row["key"] for row in listed["results"]] == [c.key, a.key, b.key]
    refused = clients["dri"].patch(f"/api/v1/initiatives/{a.key}/", {"rank": 1}, format="json")
    assert refused.status_code == 403
    assert (
        clients["pm"].patch(f"/api/v1/initiatives/{a.key}/", {"rank": 0}, format="json").status_code
        == 400
    )


def test_blocked_by_across_teams_respects_visibility(clients, token_client, team, people):
    other = TeamFactory(key="CLOUD", name="Cloud")
    both = member(other, Role.ENGINEER, "both")
    Membership = type(both.memberships.first())
    Membership.objects.create(team=team, user=both, role=Role.EM)
    theirs = make_initiative(other, both, title="Cloud migration")
    ours = make_initiative(team, people["dri"], title="Needs the migration")
    # The DRI of ours is not in CLOUD: its initiatives are not there for them.
    refused = clients["dri"].post(
        f"/api/v1/initiatives/{ours.key}/blocked-by/", {"blocker": theirs.key}, format="json"
    )
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    client = token_client(both)
    added = client.post(
        f"/api/v1/initiatives/{ours.key}/blocked-by/", {"blocker": theirs.key}, format="json"
    )
    assert added.status_code == 201, added.json()
    assert [link["initiative"] for link in added.json()["blocked_by"]] == [theirs.key]
    # Both sides show it to who can see them; a DRI of PLAT sees the blocker by key only.
    assert (
        client.get(f"/api/v1/initiatives/{theirs.key}/blocked-by/").json()["blocking"][0][
            "initiative"
        ]
        == ours.key
    )
    seen = clients["dri"].get(f"/api/v1/initiatives/{ours.key}/blocked-by/").json()
    assert seen["blocked_by"][0]["initiative"] == theirs.key
    assert seen["blocked_by"][0]["state"] is None
    # CLOUD's initiative is 404 to PLAT's people.
    assert clients["dri"].get(f"/api/v1/initiatives/{theirs.key}/blocked-by/").status_code == 404
    link = Dependency.objects.get()
    assert (
        clients["viewer"]
        .delete(f"/api/v1/initiatives/{ours.key}/blocked-by/{link.pk}/")
        .status_code
        == 403
    )
    assert (
        clients["dri"].delete(f"/api/v1/initiatives/{ours.key}/blocked-by/{link.pk}/").status_code
        == 204
    )
    assert not Dependency.objects.exists()


def test_blocked_by_refusal_codes(clients, team, people):
    a = make_initiative(team, people["dri"], title="A")
    b = make_initiative(team, people["dri"], title="B")
    post = clients["dri"].post
    path = f"/api/v1/initiatives/{a.key}/blocked-by/"
    assert post(path, {"blocker": a.key}, format="json").json()["code"] == "dependency_self"
    assert post(path, {"blocker": b.key}, format="json").status_code == 201
    assert post(path, {"blocker": b.key}, format="json").json()["code"] == "dependency_exists"
    back = clients["dri"].post(
        f"/api/v1/initiatives/{b.key}/blocked-by/", {"blocker": a.key}, format="json"
    )
    assert back.status_code == 409 and back.json()["code"] == "dependency_cycle"
    assert post(path, {"blocker": "NOPE-1"}, format="json").status_code == 404
    assert post(path, {"blocker": b.key, "task": 999999}, format="json").status_code == 404
    assert clients["viewer"].post(path, {"blocker": b.key}, format="json").status_code == 403
