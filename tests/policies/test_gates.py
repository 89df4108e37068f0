"""Team policies as part of the gate into delivery: WIP limits (team, per DRI), pairing, the
EM's override and the resume path; the refusal's shape and sentence."""

import pytest

from initiatives import services
from initiatives.models import ActivityEvent, State
from initiatives.rules.exceptions import GateBlocked, NotAllowed, ValidationFailed
from tests.policies.helpers import ready, set_policy, start

pytestmark = pytest.mark.django_db


def test_no_policy_starts_as_before(team, people):
    a = ready(team, people["dri"], people["em"])
    assert start(a, people["dri"]).state == State.IN_DELIVERY


def test_team_wip_limit_reached_refuses_with_the_blocking_initiatives(team, people):
    set_policy(team, wip_team=2)
    first = ready(team, people["dri"], people["em"], title="One")
    second = ready(team, people["engineer"], people["em"], title="Two")
    third = ready(team, people["pm"], people["em"], title="Three")
    start(first, people["dri"])
    start(second, people["engineer"])
    with pytest.raises(GateBlocked) as refused:
        start(third, people["pm"])
    body = refused.value.as_dict()
    assert body["code"] == "gate_blocked"
    assert body["gate"] == "in_delivery"
    assert body["missing"] == []
    assert body["policies"] == [
        {
            "policy": "wip_team",
            "limit": 2,
            "current": 2,
            "blocking": [first.key, second.key],
            "detail": f"Finish one of {first.key}, {second.key} first: the team's limit is 2 "
            "in delivery.",
        }
    ]
    assert body["detail"] == body["policies"][0]["detail"]
    third.refresh_from_db()
    assert third.state == State.READY
    assert not ActivityEvent.objects.filter(initiative=third, after__state="in_delivery").exists()


def test_under_the_team_limit_starts(team, people):
    set_policy(team, wip_team=2)
    first = ready(team, people["dri"], people["em"])
    second = ready(team, people["engineer"], people["em"])
    start(first, people["dri"])
    assert start(second, people["engineer"]).state == State.IN_DELIVERY


def test_finished_work_frees_the_limit(team, people):
    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    second = ready(team, people["engineer"], people["em"])
    start(first, people["dri"])
    services.initiative_transition(initiative=first, to=State.PAUSED, actor=people["dri"])
    assert start(second, people["engineer"]).state == State.IN_DELIVERY


def test_per_dri_limit(team, people):
    set_policy(team, wip_dri=1)
    mine = ready(team, people["dri"], people["em"], title="Mine")
    also_mine = ready(team, people["dri"], people["em"], title="Also mine")
    theirs = ready(team, people["engineer"], people["em"], title="Theirs")
    start(mine, people["dri"])
    with pytest.raises(GateBlocked) as refused:
        start(also_mine, people["dri"])
    (breach,) = refused.value.policies
    assert breach["policy"] == "wip_dri"
    assert (breach["limit"], breach["current"], breach["blocking"]) == (1, 1, [mine.key])
    assert f"Finish {mine.key} first" in breach["detail"]
    assert "per DRI" in breach["detail"]
    # Another DRI is not held back by someone else's work.
    assert start(theirs, people["engineer"]).state == State.IN_DELIVERY


def test_pairing_needs_k_people(team, people):
    set_policy(team, pairing_required=True, pairing_min=2)
    alone = ready(team, people["dri"], people["em"])
    with pytest.raises(GateBlocked) as refused:
        start(alone, people["dri"])
    (breach,) = refused.value.policies
    assert (breach["policy"], breach["limit"], breach["current"]) == ("pairing", 2, 1)
    assert breach["detail"].startswith("Add 1 more person as members first")
    services.initiative_person_add(
        initiative=alone, actor=people["dri"], user=people["engineer"], kind="member"
    )
    assert start(alone, people["dri"]).state == State.IN_DELIVERY


def test_pairing_does_not_count_the_dri_twice(team, people):
    set_policy(team, pairing_required=True, pairing_min=2)
    initiative = ready(team, people["dri"], people["em"], members=[people["dri"]])
    with pytest.raises(GateBlocked):
        start(initiative, people["dri"])


def test_several_policies_are_listed_together(team, people):
    set_policy(team, wip_team=1, wip_dri=1, pairing_required=True, pairing_min=3)
    first = ready(team, people["dri"], people["em"], members=[people["engineer"], people["pm"]])
    start(first, people["dri"])
    second = ready(team, people["dri"], people["em"])
    with pytest.raises(GateBlocked) as refused:
        start(second, people["dri"])
    assert [b["policy"] for b in refused.value.policies] == ["wip_team", "wip_dri", "pairing"]


def test_em_override_with_reason_passes_and_is_logged(team, people):
    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    second = ready(team, people["engineer"], people["em"])
    start(first, people["dri"])
    with pytest.raises(ValidationFailed):
        start(second, people["em"], override=True)  # no reason
    with pytest.raises(NotAllowed):
        start(second, people["pm"], override=True, reason="Hotfix")
    moved = start(second, people["em"], override=True, reason="Incident follow-up")
    assert moved.state == State.IN_DELIVERY
    event = ActivityEvent.objects.filter(
        initiative=second, verb="initiative.gate_overridden"
    ).latest("pk")
    assert event.after["gate"] == "in_delivery"
    assert event.after["overridden_policies"] == [{"policy": "wip_team", "limit": 1, "current": 1}]
    assert event.after["reason"] == "Incident follow-up"
    assert "Incident follow-up" in event.summary


def test_resume_into_delivery_is_gated_too(team, people):
    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    second = ready(team, people["engineer"], people["em"])
    start(first, people["dri"])
    services.initiative_transition(initiative=first, to=State.PAUSED, actor=people["dri"])
    start(second, people["engineer"])
    with pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=first, to=State.IN_DELIVERY, actor=people["dri"])
    assert refused.value.gate == "in_delivery"
    assert refused.value.policies[0]["blocking"] == [second.key]
    resumed = services.initiative_transition(
        initiative=first, to=State.IN_DELIVERY, actor=people["em"], override=True, reason="Back"
    )
    assert resumed.state == State.IN_DELIVERY


def test_dor_missing_and_policy_breached_are_one_refusal(team, people):
    from tests.factories import make_initiative

    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    start(first, people["dri"])
    second = make_initiative(team, people["engineer"])
    services.initiative_transition(initiative=second, to=State.SCOPING, actor=people["engineer"])
    # Not ready: the DoR gate alone (no policy is checked before delivery).
    with pytest.raises(GateBlocked) as refused:
        services.initiative_transition(initiative=second, to=State.READY, actor=people["engineer"])
    assert refused.value.gate == "ready" and not refused.value.policies


def test_other_moves_ignore_the_policies(team, people):
    set_policy(team, wip_team=1, pairing_required=True)
    first = ready(team, people["dri"], people["em"])
    assert first.state == State.READY  # reaching ready is not limited
    services.initiative_transition(initiative=first, to=State.PAUSED, actor=people["dri"])
    services.initiative_transition(initiative=first, to=State.READY, actor=people["dri"])
