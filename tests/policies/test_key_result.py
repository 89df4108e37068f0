"""The optional policy "a linked key result to leave scoping": checked at scoping → ready and
at resume into ready or later, with the refusal's shape and sentence, the EM's override, the
default (off), the API field and the policies page."""

import pytest
from django.urls import reverse

from initiatives import services
from initiatives.goals import services as goals
from initiatives.models import ActivityEvent, State
from initiatives.policies.models import TeamPolicy
from initiatives.rules.exceptions import GateBlocked, NotAllowed
from tests.audit.walk import meet_dor
from tests.factories import make_initiative
from tests.goals.conftest import make_goal, make_result
from tests.policies.helpers import ready, set_policy, start

pytestmark = pytest.mark.django_db


def scoped(team, people):
    """An initiative in scoping whose DoR is met: only the policy can refuse it."""
    initiative = make_initiative(team, people["dri"], security_risk="high")
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
    meet_dor(initiative, people)
    initiative.refresh_from_db()
    return initiative


def link(initiative, people):
    goal = make_goal(initiative.team, people["em"])
    result = make_result(goal, people["em"])
    goals.key_result_link(key_result=result, initiative=initiative, actor=people["dri"])


def mark_ready(initiative, actor, **kwargs):
    return services.initiative_transition(
        initiative=initiative, to=State.READY, actor=actor, **kwargs
    )


def test_off_by_default(team, people):
    assert TeamPolicy(team=team).key_result_required is False
    initiative = scoped(team, people)
    assert mark_ready(initiative, people["dri"]).state == State.READY


def test_without_a_linked_key_result_leaving_scoping_is_refused(team, people):
    set_policy(team, key_result_required=True)
    initiative = scoped(team, people)
    with pytest.raises(GateBlocked) as refused:
        mark_ready(initiative, people["dri"])
    body = refused.value.as_dict()
    sentence = (
        f"Link {initiative.key} to a key result first: the team asks every initiative to serve one."
    )
    assert body["code"] == "gate_blocked"
    assert body["gate"] == "ready"
    assert body["missing"] == []
    assert body["policies"] == [
        {
            "policy": "key_result_required",
            "limit": 1,
            "current": 0,
            "blocking": [],
            "detail": sentence,
        }
    ]
    assert body["detail"] == sentence
    initiative.refresh_from_db()
    assert initiative.state == State.SCOPING


def test_with_a_linked_key_result_it_leaves_scoping(team, people):
    set_policy(team, key_result_required=True)
    initiative = scoped(team, people)
    link(initiative, people)
    assert mark_ready(initiative, people["dri"]).state == State.READY


def test_dor_missing_and_no_key_result_are_one_refusal(team, people):
    set_policy(team, key_result_required=True)
    initiative = make_initiative(team, people["dri"])
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
    with pytest.raises(GateBlocked) as refused:
        mark_ready(initiative, people["dri"])
    assert refused.value.gate == "ready"
    assert refused.value.missing
    assert [p["policy"] for p in refused.value.policies] == ["key_result_required"]


def test_the_em_overrides_with_a_reason_logged(team, people):
    set_policy(team, key_result_required=True)
    initiative = scoped(team, people)
    with pytest.raises(NotAllowed):
        mark_ready(initiative, people["pm"], override=True, reason="Strategic")
    moved = mark_ready(initiative, people["em"], override=True, reason="Goal set next week")
    assert moved.state == State.READY
    event = ActivityEvent.objects.filter(
        initiative=initiative, verb="initiative.gate_overridden"
    ).latest("pk")
    assert event.after["gate"] == "ready"
    assert event.after["overridden_policies"] == [
        {"policy": "key_result_required", "limit": 1, "current": 0}
    ]
    assert event.after["reason"] == "Goal set next week"
    assert "key_result_required" in event.summary


def test_resume_into_ready_or_delivery_is_checked(team, people):
    waiting = ready(team, people["dri"], people["em"], title="Waiting")
    delivering = ready(team, people["engineer"], people["em"], title="Delivering")
    start(delivering, people["engineer"])
    for initiative in (waiting, delivering):
        services.initiative_transition(initiative=initiative, to=State.PAUSED, actor=people["em"])
    set_policy(team, key_result_required=True)
    with pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=waiting, to=State.READY, actor=people["dri"])
    assert refused.value.gate == "ready"
    assert refused.value.policies[0]["policy"] == "key_result_required"
    with pytest.raises(GateBlocked) as refused:
        services.initiative_transition(
            initiative=delivering, to=State.IN_DELIVERY, actor=people["engineer"]
        )
    assert refused.value.gate == "in_delivery"
    assert refused.value.policies[0]["policy"] == "key_result_required"
    link(waiting, people)
    resumed = services.initiative_transition(
        initiative=waiting, to=State.READY, actor=people["dri"]
    )
    assert resumed.state == State.READY
    # Starting delivery from ready is not leaving scoping: the policy is not checked again.
    unlinked = ready(team, people["pm"], people["em"], title="Unlinked")
    assert start(unlinked, people["pm"]).state == State.IN_DELIVERY


def test_the_api_reads_and_sets_the_field(clients, team, people):
    assert clients["dri"].get("/api/v1/teams/PLAT/policies/").json()["key_result_required"] is False
    response = clients["em"].patch(
        "/api/v1/teams/PLAT/policies/", {"key_result_required": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["key_result_required"] is True
    assert TeamPolicy.objects.get(team=team).key_result_required is True
    refused = clients["pm"].patch(
        "/api/v1/teams/PLAT/policies/", {"key_result_required": False}, format="json"
    )
    assert refused.status_code == 403
    bad = clients["em"].patch(
        "/api/v1/teams/PLAT/policies/", {"key_result_required": "maybe"}, format="json"
    )
    assert bad.status_code == 400


def test_the_api_refusal_is_409(clients, team, people):
    set_policy(team, key_result_required=True)
    initiative = scoped(team, people)
    response = clients["dri"].post(
        f"/api/v1/initiatives/{initiative.key}/transition/", {"to": "ready"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "gate_blocked" and body["gate"] == "ready"
    assert body["policies"][0]["policy"] == "key_result_required"


def test_the_policies_page_sets_it(client, team, people):
    client.force_login(people["em"])
    url = reverse("team-policies", args=["PLAT"])
    page = client.get(url).content.decode()
    assert "Require a linked key result to leave scoping" in page
    assert "Linked key result: not required" in page
    posted = client.post(url, {"pairing_min": "2", "key_result_required": "on"})
    assert posted.status_code == 302
    assert TeamPolicy.objects.get(team=team).key_result_required is True
    assert "Linked key result: required to leave scoping" in client.get(url).content.decode()
    client.post(url, {"pairing_min": "2"})
    assert TeamPolicy.objects.get(team=team).key_result_required is False


def test_a_refused_move_shows_the_sentence(client, team, people):
    set_policy(team, key_result_required=True)
    initiative = scoped(team, people)
    client.force_login(people["dri"])
    url = reverse("initiative-transition", args=[initiative.key])
    response = client.post(url, {"to": "ready"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    page = response.content.decode()
    assert f"Link {initiative.key} to a key result first" in page
    assert f"{initiative.key} cannot be ready yet" in page
