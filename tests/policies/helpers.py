"""Shared steps of the policy tests: initiatives brought to ready (the DoR passed by an EM's
override, which also answers for it at the start of delivery)."""

from initiatives import services
from initiatives.models import State
from initiatives.policies.models import TeamPolicy
from tests.factories import make_initiative


def ready(team, dri, em, *, members=(), title="Work"):
    initiative = make_initiative(team, dri, title=title, members=members)
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=dri)
    return services.initiative_transition(
        initiative=initiative, to=State.READY, actor=em, override=True, reason="Known gaps"
    )


def start(initiative, actor, **kwargs):
    return services.initiative_transition(
        initiative=initiative, to=State.IN_DELIVERY, actor=actor, **kwargs
    )


def set_policy(team, **values):
    TeamPolicy.objects.update_or_create(team=team, defaults=values)
