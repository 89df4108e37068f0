"""``permissions.role_in`` looks a user's role up once per user object (a request's user) and
keeps it in a typed cache of its own, not on the user instance."""

from django.contrib.auth import get_user_model

from initiatives import services
from initiatives.models import Membership, Role
from initiatives.rules import permissions as perms


def test_role_is_read_once_per_user_object(people, team, django_assert_num_queries):
    dri = people["dri"]
    with django_assert_num_queries(1):
        assert perms.role_in(dri, team) == Role.ENGINEER
        assert perms.role_in(dri, team.pk) == Role.ENGINEER
    assert "_shipshape_roles" not in vars(dri)  # nothing stuck onto the instance


def test_a_fresh_user_object_reads_the_database_again(people, team):
    dri = people["dri"]
    assert perms.role_in(dri, team) == Role.ENGINEER
    Membership.objects.filter(team=team, user=dri).update(role=Role.PM)
    assert perms.role_in(dri, team) == Role.ENGINEER  # same object: same request
    fresh = get_user_model().objects.get(pk=dri.pk)  # the next request's user
    assert perms.role_in(fresh, team) == Role.PM


def test_a_membership_change_forgets_the_cached_role(people, team):
    engineer = people["engineer"]
    assert perms.role_in(engineer, team) == Role.ENGINEER
    services.membership_set(team=team, actor=people["em"], user=engineer, role=Role.VIEWER)
    assert perms.role_in(engineer, team) == Role.VIEWER


def test_primed_roles_spare_the_lookup(people, team, django_assert_num_queries):
    pm = people["pm"]
    memberships = list(Membership.objects.filter(team=team))
    perms.prime_roles(pm, team.pk, memberships)
    with django_assert_num_queries(0):
        assert perms.actor_for(pm, team.pk).is_manager
