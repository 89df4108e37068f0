import datetime as dt

import factory
from django.contrib.auth import get_user_model

from initiatives import services
from initiatives.models import Membership, Role, Team

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.LazyAttribute(lambda u: u.username.capitalize())
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"T{n}")
    name = factory.LazyAttribute(lambda t: f"Team {t.key}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ENGINEER


def member(team: Team, role: str = Role.ENGINEER, username: str | None = None):
    user = UserFactory(username=username) if username else UserFactory()
    Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    return user


def make_initiative(team: Team, dri, **kwargs):
    kwargs.setdefault("title", "Move CI to ephemeral runners")
    return services.initiative_create(team=team, actor=dri, dri=dri, **kwargs)


def make_milestone(initiative, actor, days: int = 30, **kwargs):
    kwargs.setdefault("title", "Pilot")
    return services.milestone_create(
        initiative=initiative,
        actor=actor,
        due_date=dt.date.today() + dt.timedelta(days=days),
        **kwargs,
    )
