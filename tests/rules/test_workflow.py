"""Every allowed and every forbidden initiative and milestone transition, table-driven.

The expected tables are written out by hand from the brief's life-cycle diagram, not derived
from ``workflow``, so that a change to the transition data shows up here."""

import itertools

import pytest
from django.utils import timezone

from initiatives import services
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    Initiative,
    ItemStatus,
    Milestone,
    MilestoneState,
    State,
)
from initiatives.rules.exceptions import InvalidTransition
from initiatives.rules.workflow import find_milestone_transition, find_transition

S = State
ALLOWED = {
    (S.DISCOVERY, S.SCOPING),
    (S.DISCOVERY, S.PAUSED),
    (S.DISCOVERY, S.CANCELLED),
    (S.SCOPING, S.READY),
    (S.SCOPING, S.PAUSED),
    (S.SCOPING, S.CANCELLED),
    (S.READY, S.SCOPING),
    (S.READY, S.IN_DELIVERY),
    (S.READY, S.PAUSED),
    (S.READY, S.CANCELLED),
    (S.IN_DELIVERY, S.DONE),
    (S.IN_DELIVERY, S.PAUSED),
    (S.IN_DELIVERY, S.CANCELLED),
    (S.DONE, S.IN_DELIVERY),
}
PAUSABLE = [S.DISCOVERY, S.SCOPING, S.READY, S.IN_DELIVERY]
NON_PAUSED_PAIRS = [
    (a, b) for a, b in itertools.product(State.values, State.values) if a != S.PAUSED
]
# (paused_from, target): a paused initiative resumes only to where it was, or is cancelled.
PAUSED_PAIRS = list(itertools.product(PAUSABLE, State.values))


def paused_allowed(paused_from, target):
    return target in (paused_from, S.CANCELLED)


@pytest.mark.parametrize(("source", "target"), NON_PAUSED_PAIRS)
def test_transition_table(source, target):
    if (source, target) in ALLOWED:
        assert find_transition(source, target).target == target
    else:
        with pytest.raises(InvalidTransition):
            find_transition(source, target)


@pytest.mark.parametrize(("paused_from", "target"), PAUSED_PAIRS)
def test_paused_initiative_resumes_only_where_it_was(paused_from, target):
    if paused_allowed(paused_from, target):
        assert find_transition(S.PAUSED, target, paused_from=paused_from).target == target
    else:
        with pytest.raises(InvalidTransition):
            find_transition(S.PAUSED, target, paused_from=paused_from)


def put_in_state(initiative, state, paused_from=""):
    Initiative.objects.filter(pk=initiative.pk).update(state=state, paused_from=paused_from)
    # Gates are covered by test_gates; here every item is waived so that only the table decides.
    ChecklistItem.objects.filter(initiative=initiative).update(
        status=ItemStatus.WAIVED, waiver_reason="table test"
    )
    initiative.refresh_from_db()


def attempt(initiative, em, target):
    events = ActivityEvent.objects.count()
    try:
        moved = services.initiative_transition(
            initiative=initiative, to=target, actor=em, reason="table test"
        )
    except InvalidTransition:
        initiative.refresh_from_db()
        assert ActivityEvent.objects.count() == events, "a refused move writes no event"
        return None
    assert ActivityEvent.objects.count() == events + 1
    return moved


@pytest.mark.parametrize(("source", "target"), NON_PAUSED_PAIRS)
def test_service_applies_exactly_the_table(initiative, people, source, target):
    put_in_state(initiative, source)
    moved = attempt(initiative, people["em"], target)
    if (source, target) in ALLOWED:
        assert moved.state == target
        assert Initiative.objects.get(pk=initiative.pk).state == target
        if target == S.PAUSED:
            assert moved.paused_from == source
    else:
        assert moved is None
        assert Initiative.objects.get(pk=initiative.pk).state == source


@pytest.mark.parametrize(("paused_from", "target"), PAUSED_PAIRS)
def test_service_resumes_paused_initiative(initiative, people, paused_from, target):
    put_in_state(initiative, S.PAUSED, paused_from=paused_from)
    moved = attempt(initiative, people["em"], target)
    stored = Initiative.objects.get(pk=initiative.pk)
    if paused_allowed(paused_from, target):
        assert stored.state == target and stored.paused_from == ""
        assert moved is not None
    else:
        assert moved is None and stored.state == S.PAUSED


M = MilestoneState
MILESTONE_ALLOWED = {
    (M.PLANNED, M.IN_PROGRESS),
    (M.PLANNED, M.CANCELLED),
    (M.IN_PROGRESS, M.DONE),
    (M.IN_PROGRESS, M.CANCELLED),
    (M.DONE, M.IN_PROGRESS),
    (M.CANCELLED, M.PLANNED),
}
MILESTONE_PAIRS = list(itertools.product(MilestoneState.values, MilestoneState.values))


@pytest.mark.parametrize(("source", "target"), MILESTONE_PAIRS)
def test_milestone_transition_table(source, target):
    if (source, target) in MILESTONE_ALLOWED:
        assert find_milestone_transition(source, target).target == target
    else:
        with pytest.raises(InvalidTransition):
            find_milestone_transition(source, target)


@pytest.mark.parametrize(("source", "target"), MILESTONE_PAIRS)
def test_milestone_service_applies_exactly_the_table(initiative, people, source, target):
    Initiative.objects.filter(pk=initiative.pk).update(state=S.IN_DELIVERY)
    milestone = Milestone.objects.create(
        initiative=initiative,
        title="M",
        due_date=timezone.localdate(),
        original_due_date=timezone.localdate(),
        state=source,
    )
    try:
        services.milestone_transition(milestone=milestone, actor=people["dri"], to=target)
    except InvalidTransition:
        assert (source, target) not in MILESTONE_ALLOWED
        assert Milestone.objects.get(pk=milestone.pk).state == source
    else:
        assert (source, target) in MILESTONE_ALLOWED
        assert Milestone.objects.get(pk=milestone.pk).state == target


def test_unknown_target_state_is_refused(initiative, people):
    with pytest.raises(InvalidTransition, match="Unknown state"):
        services.initiative_transition(initiative=initiative, to="shipped", actor=people["em"])
