"""The team board and table at scale: columns capped with a link to the rest, the table paged
and sorted in SQL, and the rendered listing cached under the team's data version."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives import services
from initiatives.models import State
from initiatives.selectors import pages as read
from tests.factories import make_initiative
from tests.web.conftest import advance, open_item


@pytest.fixture
def many(team, people):
    """Five initiatives in discovery, two in scoping."""
    rows = [make_initiative(team, people["dri"], title=f"Discovery {i}") for i in range(5)]
    for i in range(2):
        scoping = make_initiative(team, people["dri"], title=f"Scoping {i}")
        advance(scoping, people["dri"])
        rows.append(scoping)
    return rows


def _titles(html: str) -> list[str]:
    return re.findall(r'class="title" href="[^"]+">([^<]+)</a>', html)


def test_board_columns_are_capped_with_the_total_and_a_link_to_the_rest(
    client, people, team, many, monkeypatch
):
    monkeypatch.setattr(read, "BOARD_COLUMN_LIMIT", 3)
    client.force_login(people["engineer"])
    html = client.get(reverse("team-detail", args=[team.key])).content.decode()
    assert _titles(html) == ["Discovery 0", "Discovery 1", "Discovery 2", "Scoping 0", "Scoping 1"]
    assert '<span class="count">5</span>' in html and '<span class="count">2</span>' in html
    assert "2 more in the table" in html
    assert 'href="?state=discovery&amp;view=table"' in html
    assert "7 initiatives" in html


def test_board_cap_follows_the_chosen_order(client, people, team, many, monkeypatch):
    monkeypatch.setattr(read, "BOARD_COLUMN_LIMIT", 2)
    client.force_login(people["engineer"])
    html = client.get(reverse("team-detail", args=[team.key]), {"sort": "-key"}).content.decode()
    assert _titles(html) == ["Discovery 4", "Discovery 3", "Scoping 1", "Scoping 0"]


def test_table_is_paged_and_every_page_number_answers(client, people, team, many, monkeypatch):
    monkeypatch.setattr(read, "TABLE_PAGE_SIZE", 3)
    client.force_login(people["engineer"])
    url = reverse("team-detail", args=[team.key])
    first = client.get(url, {"view": "table"})
    assert [r.title for r in first.context["rows"]] == ["Discovery 0", "Discovery 1", "Discovery 2"]
    assert "Page 1 of 3" in first.content.decode() and 'rel="next"' in first.content.decode()
    last = client.get(url, {"view": "table", "page": 3})
    assert [r.title for r in last.context["rows"]] == ["Scoping 1"]
    for bad in ("0", "-1", "abc", "999999"):
        response = client.get(url, {"view": "table", "page": bad})
        assert response.status_code == 200
        assert len(response.context["rows"]) >= 1


def test_table_sorts_by_stored_gate_progress_in_sql(client, people, team, many):
    ahead = many[3]
    for _ in range(2):
        services.checklist_item_tick(
            item=open_item(ahead, kind="ready", signoff_role="", rule="", evidence=""),
            actor=people["dri"],
        )
    client.force_login(people["engineer"])
    url = reverse("team-detail", args=[team.key])
    rows = client.get(url, {"view": "table", "sort": "-dor"}).context["rows"]
    assert rows[0].initiative == ahead
    percents = [r.gates.ready.percent for r in rows]
    assert percents == sorted(percents, reverse=True)


def test_any_write_to_the_team_shows_on_the_next_board(client, people, team, many):
    client.force_login(people["engineer"])
    url = reverse("team-detail", args=[team.key])
    assert "Renamed" not in client.get(url).content.decode()
    services.initiative_update(
        initiative=many[0], actor=people["dri"], changes={"title": "Renamed discovery"}
    )
    assert "Renamed discovery" in client.get(url).content.decode()
    services.initiative_transition(initiative=many[1], to=State.SCOPING, actor=people["dri"])
    html = client.get(url).content.decode()
    assert '<span class="count">4</span>' in html and '<span class="count">3</span>' in html


def test_a_cached_board_is_served_in_fewer_queries_and_the_same_html(
    client, people, team, many, django_assert_max_num_queries
):
    client.force_login(people["engineer"])
    url = reverse("team-detail", args=[team.key])
    first = client.get(url).content.decode()
    # The session, the user, the team with the viewer's membership (its data version keys the
    # board and its people, both from the cache), the unread count (a test sign-in's backend).
    with django_assert_max_num_queries(4):
        again = client.get(url).content.decode()

    def board(html):
        return html.split('<div class="board">', 1)[1].split("\n</div>", 1)[0]

    assert board(again) == board(first)
    assert len(_titles(again)) == 7


def test_other_filters_are_not_served_from_each_others_cache(client, people, team, many):
    client.force_login(people["engineer"])
    url = reverse("team-detail", args=[team.key])
    client.get(url)
    html = client.get(url, {"state": State.SCOPING}).content.decode()
    assert _titles(html) == ["Scoping 0", "Scoping 1"]


def test_caching_can_be_turned_off(client, people, team, many, settings):
    settings.READ_CACHE_SECONDS = 0
    client.force_login(people["engineer"])
    url = reverse("team-detail", args=[team.key])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    assert len(again) == len(first) > 5  # built afresh both times
