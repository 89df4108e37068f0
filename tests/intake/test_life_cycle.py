"""The request life cycle: filing, every triage action and its refusals, one audit event per
write, time to triage and to first response."""

import datetime as dt

import pytest
from django.utils import timezone

from initiatives.intake import selectors as reads
from initiatives.intake import services as intake
from initiatives.intake.models import Category, IntakeRequest, RequestState
from initiatives.models import ActivityEvent, Initiative, State, Task
from initiatives.rules.exceptions import (
    Conflict,
    NotAllowed,
    NotFound,
    StaleWrite,
    ValidationFailed,
)
from tests.factories import make_initiative
from tests.intake.conftest import ask

pytestmark = pytest.mark.django_db


def events(verb=None):
    rows = ActivityEvent.objects.all()
    return rows.filter(verb=verb) if verb else rows


def triage(request, actor, action, **kwargs):
    return intake.request_triage(request=request, actor=actor, action=action, **kwargs)


def test_anyone_signed_in_files_a_request_and_it_is_recorded_once(team, people):
    before = events().count()
    request = ask(team, people["outsider"], description="Our builds queue for 20 minutes")
    assert request.state == RequestState.NEW
    assert request.requester == people["outsider"]
    assert events().count() == before + 1
    event = events("request.created").get()
    assert event.team_id == team.pk and event.target_id == request.pk
    assert event.after["requester"] == people["outsider"].pk


def test_a_team_open_to_members_only_hides_from_outsiders(secret_team, people):
    with pytest.raises(NotFound):
        ask(secret_team["team"], people["outsider"])
    assert ask(secret_team["team"], secret_team["em"]).state == RequestState.NEW


def test_a_request_needs_a_title_and_known_choices(team, people):
    with pytest.raises(ValidationFailed) as error:
        ask(team, people["outsider"], title="  ")
    assert "title" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        ask(team, people["outsider"], category="urgent")
    assert "category" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        ask(team, people["outsider"], links=["javascript:alert(1)"])
    assert "links" in error.value.fields
    assert not IntakeRequest.objects.exists()


def test_cat1_and_cat2_go_to_the_person_on_call(team, people, on_call):
    escalation = ask(team, people["outsider"], category=Category.CAT1)
    feature = ask(team, people["outsider"], category=Category.FEATURE)
    assert escalation.assignee == on_call
    assert feature.assignee is None


def test_accepting_into_a_new_initiative_uses_the_initiative_service(team, people):
    request = ask(team, people["outsider"], description="Details")
    with pytest.raises(ValidationFailed):
        triage(request, people["engineer"], "accept")
    accepted = triage(request, people["engineer"], "accept", accept=intake.Accept("new_initiative"))
    initiative = Initiative.objects.get(pk=accepted.initiative_id)
    assert accepted.state == RequestState.ACCEPTED
    assert initiative.state == State.DISCOVERY and initiative.team == team
    assert initiative.dri == people["engineer"] and initiative.title == request.title
    # The initiative service's own event and the triage's: one each.
    assert events("initiative.created").count() == 1
    triaged = events("request.triaged").get()
    assert triaged.initiative_id == initiative.pk and triaged.after["initiative"] == initiative.key
    assert accepted.triaged_at is not None and accepted.first_response_at is not None
    assert accepted.triaged_by == people["engineer"] and accepted.closed_at is not None


def test_accepting_links_an_initiative_or_adds_a_task_of_the_same_team(
    team, people, initiative, cloud
):
    linked = triage(
        ask(team, people["outsider"]),
        people["em"],
        "accept",
        accept=intake.Accept("initiative", initiative=initiative),
    )
    assert linked.initiative == initiative and linked.task is None
    as_task = triage(
        ask(team, people["outsider"], title="Add ARM runners"),
        people["engineer"],
        "accept",
        accept=intake.Accept("task", initiative=initiative),
    )
    task = Task.objects.get(pk=as_task.task_id)
    assert task.initiative == initiative and task.title == "Add ARM runners"
    elsewhere = make_initiative(cloud["team"], cloud["em"])
    with pytest.raises(ValidationFailed) as error:
        triage(
            ask(team, people["outsider"]),
            people["em"],
            "accept",
            accept=intake.Accept("initiative", initiative=elsewhere),
        )
    assert "initiative" in error.value.fields


def test_declining_needs_a_reason(team, people):
    request = ask(team, people["outsider"])
    with pytest.raises(ValidationFailed) as error:
        triage(request, people["engineer"], "decline", reason="   ")
    assert error.value.code == "reason_required"
    request.refresh_from_db()
    assert request.state == RequestState.NEW and request.first_response_at is None
    declined = triage(request, people["engineer"], "decline", reason="Out of scope for PLAT")
    assert declined.state == RequestState.DECLINED
    assert declined.resolution_note == "Out of scope for PLAT"


def test_a_duplicate_names_its_original_in_the_same_team(team, people, cloud):
    original = ask(team, people["outsider"], title="Faster CI")
    again = ask(team, people["legal"], title="CI is slow")
    with pytest.raises(ValidationFailed) as error:
        triage(again, people["engineer"], "duplicate")
    assert error.value.code == "original_required"
    with pytest.raises(ValidationFailed):
        triage(again, people["engineer"], "duplicate", original=again)
    other = ask(cloud["team"], people["outsider"])
    with pytest.raises(NotFound):
        triage(again, people["engineer"], "duplicate", original=other)
    done = triage(again, people["engineer"], "duplicate", original=original)
    assert done.state == RequestState.DUPLICATE and done.duplicate_of == original


def test_routing_hands_the_request_to_the_other_teams_queue(team, people, cloud):
    request = ask(team, people["outsider"], category=Category.CAT1)
    with pytest.raises(ValidationFailed) as error:
        triage(request, people["engineer"], "route", team=cloud["team"])
    assert error.value.code == "reason_required"
    with pytest.raises(ValidationFailed):
        triage(request, people["engineer"], "route", team=team, reason="Mine")
    routed = triage(request, people["engineer"], "route", team=cloud["team"], reason="Theirs")
    assert routed.state == RequestState.ROUTED
    copy = routed.routed_to
    assert copy.team == cloud["team"] and copy.state == RequestState.NEW
    assert copy.requester == people["outsider"] and copy.title == request.title
    # The requester keeps seeing both; the other team sees it in its queue.
    assert set(reads.my_requests(people["outsider"])) == {routed, copy}
    assert reads.request_for(cloud["engineer"], copy.pk) == copy
    with pytest.raises(NotFound):
        reads.request_for(cloud["engineer"], routed.pk)
    # One event per team: routed here, created there.
    assert events("request.triaged").get().team_id == team.pk
    assert events("request.created").filter(team=cloud["team"]).count() == 1


def test_routing_to_a_team_you_cannot_see_is_refused_with_not_found(team, people, secret_team):
    request = ask(team, people["outsider"])
    with pytest.raises(NotFound):
        triage(request, people["engineer"], "route", team=secret_team["team"], reason="x")
    request.refresh_from_db()
    assert request.state == RequestState.NEW
    assert not IntakeRequest.objects.filter(team=secret_team["team"]).exists()


def test_snoozing_keeps_it_triaged_and_out_of_the_queue_until_then(team, people):
    request = ask(team, people["outsider"])
    with pytest.raises(ValidationFailed):
        triage(request, people["engineer"], "snooze", until=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationFailed):
        triage(request, people["engineer"], "snooze", until=timezone.now() + dt.timedelta(days=91))
    snoozed = triage(
        request, people["engineer"], "snooze", until=dt.date.today() + dt.timedelta(days=7)
    )
    assert snoozed.state == RequestState.TRIAGED and snoozed.snoozed_until is not None
    queue = reads.triage_queue(team, reads.rota(team))
    assert queue.shown == 0 and queue.snoozed == 1
    later = reads.rota(team, now=timezone.now() + dt.timedelta(days=8))
    assert reads.triage_queue(team, later).shown == 1
    # Still open: it can be decided later.
    assert triage(snoozed, people["engineer"], "decline", reason="No").state == "declined"


def test_needs_info_goes_back_to_the_requester_who_answers(team, people):
    request = ask(team, people["outsider"], description="It is slow")
    with pytest.raises(ValidationFailed) as error:
        triage(request, people["engineer"], "needs_info")
    assert error.value.code == "question_required"
    asked = triage(request, people["engineer"], "needs_info", question="Which pipeline?")
    assert asked.needs_info and asked.state == RequestState.NEW
    assert asked.first_response_at is not None and asked.triaged_at is None
    with pytest.raises(NotAllowed):
        intake.request_answer(request=asked, actor=people["engineer"], answer="me")
    answered = intake.request_answer(request=asked, actor=people["outsider"], answer="The deploy")
    assert not answered.needs_info and "The deploy" in answered.description
    with pytest.raises(Conflict):
        intake.request_answer(request=answered, actor=people["outsider"], answer="again")


def test_who_may_triage(team, people, cloud):
    request = ask(team, people["outsider"])
    with pytest.raises(NotAllowed):  # the requester sees it but is not of the team
        triage(request, people["outsider"], "decline", reason="mine")
    with pytest.raises(NotFound):  # a stranger does not even see it
        triage(request, cloud["em"], "decline", reason="x")
    with pytest.raises(NotAllowed):
        triage(request, people["viewer"], "decline", reason="x")
    with pytest.raises(ValidationFailed):
        triage(request, people["engineer"], "escalate")
    request.refresh_from_db()
    assert request.state == RequestState.NEW and not events("request.triaged").exists()


def test_a_closed_request_takes_no_more_actions(team, people):
    request = triage(ask(team, people["outsider"]), people["engineer"], "decline", reason="No")
    with pytest.raises(Conflict) as error:
        triage(request, people["em"], "snooze", until=dt.date.today() + dt.timedelta(days=2))
    assert error.value.code == "request_closed"
    with pytest.raises(NotAllowed):
        intake.request_update(request=request, actor=people["em"], changes={"title": "New"})


def test_each_triage_action_records_exactly_one_event(team, people):
    for action, kwargs in [
        ("decline", {"reason": "No"}),
        ("needs_info", {"question": "Why?"}),
        ("snooze", {"until": dt.date.today() + dt.timedelta(days=3)}),
    ]:
        request = ask(team, people["outsider"])
        before = events().count()
        triage(request, people["engineer"], action, **kwargs)
        assert events().count() == before + 1, action


def test_first_response_and_triage_times_are_kept(team, people):
    request = ask(team, people["outsider"])
    asked = triage(request, people["engineer"], "needs_info", question="Which?")
    first = asked.first_response_at
    done = triage(asked, people["engineer"], "decline", reason="Not ours")
    assert done.first_response_at == first
    assert done.triaged_at >= first


def test_editing_a_request(team, people):
    request = ask(team, people["outsider"])
    edited = intake.request_update(
        request=request, actor=people["outsider"], changes={"title": "Bigger runners please"}
    )
    assert edited.title == "Bigger runners please" and edited.version == 2
    with pytest.raises(NotAllowed):
        intake.request_update(
            request=edited, actor=people["outsider"], changes={"category": Category.CAT1}
        )
    with pytest.raises(StaleWrite):
        intake.request_update(
            request=edited, actor=people["engineer"], changes={"impact": "high"},
            expected_version=1,
        )  # fmt: skip
    moved = intake.request_update(
        request=edited, actor=people["engineer"], changes={"category": Category.CAT1},
        expected_version=2,
    )  # fmt: skip
    assert moved.category == Category.CAT1
    assert events("request.updated").count() == 2


def test_bulk_triage_acts_on_each_and_reports_refusals(team, people, cloud):
    mine = [ask(team, people["outsider"], title=f"Ask {n}") for n in range(3)]
    triage(mine[0], people["engineer"], "decline", reason="Earlier")
    theirs = ask(cloud["team"], people["outsider"])
    outcome = intake.requests_bulk_triage(
        team=team,
        actor=people["engineer"],
        ids=[r.pk for r in mine] + [theirs.pk],
        action="decline",
        reason="Not this quarter",
    )
    assert {r.pk for r in outcome.done} == {mine[1].pk, mine[2].pk}
    assert {pk for pk, _ in outcome.refused} == {mine[0].pk, theirs.pk}
    with pytest.raises(ValidationFailed):
        intake.requests_bulk_triage(team=team, actor=people["engineer"], ids=[], action="decline")
    with pytest.raises(ValidationFailed):
        intake.requests_bulk_triage(
            team=team, actor=people["engineer"], ids=[mine[1].pk], action="accept"
        )
    with pytest.raises(NotFound):
        intake.requests_bulk_triage(
            team=team, actor=cloud["em"], ids=[mine[1].pk], action="decline", reason="x"
        )
