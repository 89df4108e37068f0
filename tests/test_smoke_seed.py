from django.core.management import call_command

from initiatives.models import ActivityEvent, Initiative, State, StatusUpdate, Task


def snapshot():
    return {
        "initiatives": sorted(Initiative.objects.values_list("number", "state", "health")),
        "events": ActivityEvent.objects.count(),
        "updates": StatusUpdate.objects.count(),
        "tasks": Task.objects.count(),
    }


def test_seed_demo_twice_leaves_the_same_data_as_once(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    once = snapshot()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert snapshot() == once
    states = {state for _, state, _ in once["initiatives"]}
    assert states == set(State.values)
    assert once["updates"] >= 8 * 4
