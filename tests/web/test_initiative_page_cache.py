"""The initiative page is cached per viewer and CSRF secret under the team's data version: a
repeat view costs a few queries, any write shows at once, and the cached forms still post."""

import re

from django.test import Client

from initiatives import services
from tests.web.conftest import open_item


def _body(html: str) -> str:
    return html.split('<header class="ihead"', 1)[1].split("</main>", 1)[0]


def test_a_repeat_view_is_served_from_the_cache(
    client, people, initiative, django_assert_max_num_queries
):
    client.force_login(people["dri"])
    url = initiative.get_absolute_url()
    client.get(url)  # sets the CSRF cookie: pages without one are never cached
    assert client.cookies.get("csrftoken")
    first = client.get(url).content.decode()
    # The session, the user, the initiative's id with its team's version and all teams' (the
    # key results it serves, from the cache), the unread count (a test sign-in's backend).
    with django_assert_max_num_queries(4):
        again = client.get(url).content.decode()
    assert _body(again) == _body(first)


def test_any_write_to_the_team_shows_on_the_next_view(client, people, initiative):
    client.force_login(people["dri"])
    url = initiative.get_absolute_url()
    client.get(url)
    item = open_item(initiative, signoff_role="", rule="", evidence="")
    assert f'id="item-{item.pk}" class="item status-open' in client.get(url).content.decode()
    services.checklist_item_tick(item=item, actor=people["dri"])
    assert f'id="item-{item.pk}" class="item status-done' in client.get(url).content.decode()


def test_viewers_never_get_another_persons_cached_page(client, people, initiative):
    url = initiative.get_absolute_url()
    client.force_login(people["dri"])
    client.get(url)
    assert "Tick</button>" in client.get(url).content.decode()
    viewer = Client()
    viewer.force_login(people["viewer"])
    viewer.get(url)
    html = viewer.get(url).content.decode()
    assert "Tick</button>" not in html and "Mark done" not in html


def test_forms_on_a_cached_page_carry_a_valid_csrf_token(people, initiative):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["dri"])
    url = initiative.get_absolute_url()
    browser.get(url)
    cached = browser.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached).group(1)
    item = open_item(initiative, signoff_role="", rule="", evidence="")
    response = browser.post(f"/checklist-items/{item.pk}/tick/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"


def test_other_users_pages_are_not_found_before_any_cache_lookup(client, people, initiative):
    client.force_login(people["outsider"])
    client.get("/")  # a CSRF cookie, so the cache path is taken
    assert client.get(initiative.get_absolute_url()).status_code == 404
