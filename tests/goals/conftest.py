import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from initiatives.goals import services as goals
from initiatives.goals.models import Direction, KRKind
from initiatives.models import Role
from tests.factories import TeamFactory, member

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def committed():
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def cloud(db):
    team = TeamFactory(key="CLOUD", name="Cloud")
    return {
        "team": team,
        "em": member(team, Role.EM, "cloud-em"),
        "engineer": member(team, Role.ENGINEER, "cloud-eng"),
    }


def make_goal(team, actor, **kwargs):
    kwargs.setdefault("title", "Easiest self-hosted product to deploy")
    kwargs.setdefault("starts_on", dt.date(2026, 10, 1))
    return goals.goal_create(team=team, actor=actor, **kwargs)


def make_result(goal, actor, **kwargs):
    kwargs.setdefault("title", "Successful installs")
    kwargs.setdefault("unit", " %")
    kwargs.setdefault("baseline", 80.0)
    kwargs.setdefault("target", 95.0)
    return goals.key_result_create(goal=goal, actor=actor, **kwargs)


def make_monitor(goal, actor, **kwargs):
    kwargs.setdefault("title", "Users on the latest version")
    kwargs.setdefault("kind", KRKind.MONITOR)
    kwargs.setdefault("direction", Direction.BAND)
    kwargs.setdefault("band_low", 60.0)
    kwargs.setdefault("band_high", 100.0)
    return goals.key_result_create(goal=goal, actor=actor, **kwargs)


@pytest.fixture
def goal(team, people):
    return make_goal(team, people["em"], owner=people["dri"])
