import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from initiatives.models import (
    ActivityEvent,
    Initiative,
    Membership,
    MilestoneSlip,
    Role,
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
    call_command("seed_demo", stdout=out, force=True)
    once = snapshot()
    call_command("seed_demo", stdout=io.StringIO(), force=True)
    assert snapshot() == once
    assert "dana" in out.getvalue() and "shipshape-demo" in out.getvalue()


def test_demo_covers_every_state_and_the_interesting_cases(db):
    call_command("seed_demo", stdout=io.StringIO(), force=True)
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


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert get_user_model().objects.filter(username="dana").exists()


def test_seed_demo_never_changes_an_existing_user(db):
    users = get_user_model().objects
    admin = users.create_superuser("admin", "ops@example.com", "the real admin password")
    call_command("seed_demo", stdout=io.StringIO(), force=True)
    admin.refresh_from_db()
    assert admin.check_password("the real admin password")
    # The users it created have the demo password and their demo roles.
    erin = users.get(username="erin")
    assert erin.check_password("shipshape-demo")
    assert Membership.objects.get(user=erin).role == Role.EM


def test_seed_demo_refuses_rather_than_touch_existing_people(db):
    users = get_user_model().objects
    admin = users.create_user("admin", "ops@example.com", "the real admin password")
    with pytest.raises(CommandError, match="not a superuser"):
        call_command("seed_demo", stdout=io.StringIO(), force=True)
    admin.refresh_from_db()
    # Not made a superuser again, and not given the published demo password.
    assert not admin.is_superuser and not admin.is_staff
    assert admin.check_password("the real admin password")
    admin.is_superuser = True
    admin.save()
    dana = users.create_user("dana", "dana@example.com", "danas own password")
    with pytest.raises(CommandError, match="dana"):
        call_command("seed_demo", stdout=io.StringIO(), force=True)
    dana.refresh_from_db()
    assert dana.check_password("danas own password")
    assert not Membership.objects.filter(user=dana).exists()
    assert not users.filter(username="erin").exists()  # nothing half-loaded


def test_seed_demo_leaves_changed_roles_alone(db):
    call_command("seed_demo", stdout=io.StringIO(), force=True)
    vic = Membership.objects.get(user__username="vic")
    vic.role = Role.ENGINEER
    vic.save()
    get_user_model().objects.filter(username="admin").update(is_superuser=False)
    call_command("seed_demo", stdout=io.StringIO(), force=True)
    assert Membership.objects.get(user__username="vic").role == Role.ENGINEER
    assert not get_user_model().objects.get(username="admin").is_superuser
