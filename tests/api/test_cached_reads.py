"""API reads are cached per caller under the versions of all their teams: a repeat read costs
a few queries, any write shows at once, and authentication still runs on every request."""

import pytest

from initiatives import services
from initiatives.tokens.models import PersonalAccessToken
from initiatives.tokens.services import token_revoke


@pytest.fixture
def tasks(initiative, people):
    return [
        services.task_create(initiative=initiative, actor=people["dri"], title=f"Task {i}")
        for i in range(3)
    ]


def test_a_repeat_read_is_served_from_the_cache(
    token_client, people, initiative, tasks, django_assert_max_num_queries
):
    api = token_client(people["dri"])
    url = f"/api/v1/initiatives/{initiative.key}/tasks/"
    first = api.get(url)
    with django_assert_max_num_queries(2):  # the token, the versions of the caller's teams
        again = api.get(url)
    assert again.status_code == 200 and again.json() == first.json()


def test_a_write_shows_on_the_next_read(token_client, people, initiative, tasks):
    api = token_client(people["dri"])
    url = f"/api/v1/initiatives/{initiative.key}/tasks/"
    api.get(url)
    patched = api.patch(f"/api/v1/tasks/{tasks[0].pk}/", {"title": "Renamed"}, format="json")
    assert patched.status_code == 200
    titles = [t["title"] for t in api.get(url).json()["results"]]
    assert "Renamed" in titles


def test_the_detail_keeps_its_etag_when_cached(token_client, people, initiative):
    api = token_client(people["dri"])
    url = f"/api/v1/initiatives/{initiative.key}/"
    first = api.get(url)
    again = api.get(url)
    assert again["ETag"] == first["ETag"] == f'"{initiative.version}"'


def test_each_caller_gets_their_own_answer(token_client, people, initiative):
    url = f"/api/v1/initiatives/{initiative.key}/"
    assert token_client(people["dri"]).get(url).status_code == 200
    assert token_client(people["outsider"]).get(url).status_code == 404


def test_a_revoked_token_is_refused_even_with_a_cached_answer(token_client, people, initiative):
    api = token_client(people["dri"])
    url = f"/api/v1/initiatives/{initiative.key}/checklists/"
    assert api.get(url).status_code == 200
    row = PersonalAccessToken.objects.filter(user=people["dri"]).latest("pk")
    token_revoke(token_id=row.pk, user=people["dri"])
    assert api.get(url).status_code == 401
