import io

from django.core.management import call_command

from initiatives.models import (
    ActivityEvent,
    Initiative,
    MilestoneSlip,
    State,
    StatusUpdate,
    Task,
)
from initiatives.selectors.checklists import evaluate


def snapshot():
    return {
        "initiatives": sorted(Initiative.objects.values_list("number", "state", "health", "title")),
        "events": ActivityEvent.objects.count(),
        "updates": sorted(StatusUpdate.objects.values_list("initiative__number", "week", "health")),
        "tasks": sorted(Task.objects.values_list("initiative__number", "title", "state")),
        "slips": MilestoneSlip.objects.count(),
    }


def test_seed_demo_twice_leaves_the_same_data_as_once(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    once = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == once
    assert "dana" in out.getvalue() and "shipshape-demo" in out.getvalue()


def test_demo_covers_every_state_and_the_interesting_cases(db):
    call_command("seed_demo", stdout=io.StringIO())
    assert set(Initiative.objects.values_list("state", flat=True)) == set(State.values)
    blocked = Initiative.objects.get(state=State.SCOPING)
    assert 0 < len(evaluate(blocked, "ready").missing) <= 4
    done = Initiative.objects.get(state=State.DONE)
    assert evaluate(done, "done").met
    assert MilestoneSlip.objects.filter(milestone__initiative__state=State.IN_DELIVERY).exists()
    weeks = StatusUpdate.objects.values_list("week", flat=True).distinct()
    assert len(weeks) >= 8
    assert set(StatusUpdate.objects.values_list("health", flat=True)) == {
        "on_track",
        "at_risk",
        "off_track",
    }
