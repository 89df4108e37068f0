"""My work is cached per viewer under the versions of all their teams: a repeat view costs two
queries beyond the session, and any write in one of their teams shows at once."""

from django.test import Client
from django.urls import reverse

from initiatives import services
from tests.factories import make_initiative


def test_a_repeat_view_is_served_from_the_cache(
    client, people, initiative, django_assert_max_num_queries
):
    client.force_login(people["dri"])
    first = client.get(reverse("my-work")).content.decode()
    with django_assert_max_num_queries(3):  # session, user, versions of the viewer's teams
        again = client.get(reverse("my-work")).content.decode()
    assert initiative.title in first and initiative.title in again


def test_a_write_in_any_of_my_teams_shows_at_once(client, team, people, initiative):
    client.force_login(people["dri"])
    client.get(reverse("my-work"))
    services.initiative_update(
        initiative=initiative, actor=people["em"], changes={"title": "Renamed by the EM"}
    )
    assert "Renamed by the EM" in client.get(reverse("my-work")).content.decode()


def test_each_viewer_sees_their_own_work(client, team, people):
    make_initiative(team, people["dri"], title="Driven by dri")
    make_initiative(team, people["engineer"], title="Driven by eng")
    client.force_login(people["dri"])
    assert "Driven by dri" in client.get(reverse("my-work")).content.decode()
    other = Client()
    other.force_login(people["engineer"])
    html = other.get(reverse("my-work")).content.decode()
    assert "Driven by eng" in html and "Driven by dri" not in html
