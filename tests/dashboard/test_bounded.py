"""The dashboard at scale: every list capped worst first with a link to the rest, and the
rendered page cached under the teams' newest activity event (a write shows at once)."""

from django.urls import reverse

from initiatives import services
from initiatives.dashboard.common import LIST_LIMIT
from initiatives.models import Health, State
from tests.factories import make_initiative


def _red(team, people, title):
    initiative = make_initiative(team, people["dri"], title=title)
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
    services.status_update_post(
        initiative=initiative, actor=people["dri"], health=Health.OFF_TRACK, risks="Blocked"
    )
    return initiative


def test_red_and_yellow_list_is_capped_with_a_link_to_the_rest(client, team, people):
    for i in range(LIST_LIMIT + 2):
        _red(team, people, f"Red {i:02d}")
    client.force_login(people["em"])
    html = client.get(reverse("team-dashboard", args=[team.key])).content.decode()
    section = html.split('id="red-yellow"', 1)[1].split('id="missing-updates"', 1)[0]
    assert section.count("Red ") == LIST_LIMIT
    assert "2 more" in section and f"(of {LIST_LIMIT + 2}" in section
    assert f'href="/teams/{team.key}/?view=table&amp;sort=-health"' in section


def test_a_write_shows_on_the_next_dashboard(client, team, people):
    client.force_login(people["em"])
    url = reverse("team-dashboard", args=[team.key])
    assert "Nothing is off track or at risk." in client.get(url).content.decode()
    _red(team, people, "Suddenly red")
    html = client.get(url).content.decode()
    assert "Nothing is off track or at risk." not in html and "Suddenly red" in html


def test_a_cached_dashboard_costs_a_few_queries(
    client, team, people, django_assert_max_num_queries
):
    _red(team, people, "Red")
    client.force_login(people["em"])
    url = reverse("team-dashboard", args=[team.key])
    first = client.get(url).content.decode()
    with django_assert_max_num_queries(4):  # session, user, teams with role, version
        again = client.get(url).content.decode()
    assert again.count("Red") == first.count("Red") > 0


def test_viewers_and_contributors_do_not_share_a_cached_page(client, team, people):
    _red(team, people, "Red")
    url = reverse("team-dashboard", args=[team.key])
    client.force_login(people["em"])
    assert 'data-action="new-initiative"' in client.get(url).content.decode()
    client.force_login(people["viewer"])
    assert 'data-action="new-initiative"' not in client.get(url).content.decode()
