import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from initiatives.intake import rotation as rota_services
from initiatives.intake import services as intake
from initiatives.intake.models import Category
from initiatives.models import Role, Team
from tests.factories import TeamFactory, member

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def committed():
    """Run the ``on_commit`` callbacks when the block ends, as a real commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def cloud(db):
    """Another team, open to requests from everyone, with an EM and an engineer."""
    team = TeamFactory(key="CLOUD", name="Cloud")
    return {
        "team": team,
        "em": member(team, Role.EM, "cloud-em"),
        "engineer": member(team, Role.ENGINEER, "cloud-eng"),
    }


@pytest.fixture
def secret_team(db):
    """A team that takes requests from its members only."""
    team = TeamFactory(key="SEC", name="Security")
    em = member(team, Role.EM, "sec-em")
    rota_services.rotation_set(team=team, actor=em, members=[em], open_to_all=False)
    return {"team": team, "em": em}


@pytest.fixture
def on_call(team, people):
    """PLAT's rotation: the engineer, then the DRI, from this week on."""
    rota_services.rotation_set(
        team=team, actor=people["em"], members=[people["engineer"], people["dri"]]
    )
    return people["engineer"]


def ask(team: Team, user, title="Need a bigger runner", **kwargs):
    kwargs.setdefault("category", Category.FEATURE)
    return intake.request_create(team=team, actor=user, title=title, **kwargs)
