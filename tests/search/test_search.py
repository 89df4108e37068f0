"""Global search: word prefixes, two words, visibility, the query budget, bad input; the web
page and the API endpoint. The same tests run on PostgreSQL (full-text search) in CI; the
``postgres`` ones pin the full-text path itself."""

import pytest
from django.db import connection
from django.urls import reverse

from initiatives import services
from initiatives.models import Health
from initiatives.search import query as search_query
from initiatives.search.selectors import search
from tests.factories import make_initiative, make_milestone, member


def titles(results, kind):
    return [hit.title for group in results.groups if group.kind == kind for hit in group.hits]


@pytest.fixture
def corpus(team, people):
    dri = people["dri"]
    preview = make_initiative(team, dri, title="Preview permissions for editors")
    other = make_initiative(team, dri, title="Billing export", summary="Monthly CSV for finance")
    milestone = make_milestone(preview, dri, title="Permission matrix reviewed")
    services.task_create(initiative=other, actor=dri, title="Write the exporter")
    services.status_update_post(
        initiative=other, actor=dri, health=Health.AT_RISK,
        risks="Waiting on the **finance** team's [ledger API](https://example.com)",
    )  # fmt: skip
    outsider_team = people["outsider"].memberships.get().team
    make_initiative(outsider_team, people["outsider"], title="Preview secret plans")
    return {"preview": preview, "other": other, "milestone": milestone}


def run(user, text):
    return search(user, search_query.parse(text))


def test_two_word_prefixes_find_an_initiative_by_words_of_its_title(corpus, people):
    results = run(people["viewer"], "preview per")
    assert titles(results, "initiative") == ["Preview permissions for editors"]
    assert titles(run(people["viewer"], "PERM EDIT"), "initiative") == [
        "Preview permissions for editors"
    ]


def test_a_prefix_matches_the_start_of_a_word_only(corpus, people):
    assert titles(run(people["viewer"], "missions"), "initiative") == [] or (
        connection.vendor == "postgresql"  # the ILIKE fallback matches inside words
    )
    assert titles(run(people["viewer"], "perm"), "milestone") == ["Permission matrix reviewed"]


def test_every_kind_is_searched_and_grouped(corpus, people):
    results = run(people["engineer"], "export")
    assert [g.kind for g in results.groups] == ["initiative", "milestone", "task", "update"]
    assert titles(results, "initiative") == ["Billing export"]
    assert titles(results, "task") == ["Write the exporter"]
    updates = run(people["engineer"], "ledger")
    [hit] = [h for g in updates.groups for h in g.hits]
    assert hit.kind == "update" and hit.anchor.startswith("update-")
    # The snippet is plain text of the rendered Markdown: link label kept, no markup.
    assert "ledger API" in hit.snippet and "**" not in hit.snippet and "](" not in hit.snippet


def test_a_key_finds_its_initiative(corpus, people):
    key = corpus["other"].key
    assert titles(run(people["viewer"], key), "initiative") == ["Billing export"]


def test_only_what_the_viewer_may_see(corpus, people):
    # The outsider's team has its own "Preview secret plans"; they never see PLAT's.
    assert titles(run(people["outsider"], "preview"), "initiative") == ["Preview secret plans"]
    assert titles(run(people["viewer"], "secret"), "initiative") == []
    loner = member(corpus["preview"].team, username="loner")
    loner.memberships.all().delete()
    assert run(loner, "preview").count == 0


@pytest.mark.parametrize("text", ["", "   ", "!!! ---", "%", "_", "'; drop table", "a:* | b"])
def test_odd_queries_find_nothing_or_something_but_never_fail(corpus, people, text):
    run(people["viewer"], text)  # no exception


def test_query_parsing_keeps_only_words():
    parsed = search_query.parse("  Preview, per*  preview \x00 x:*|y ")
    assert parsed.words == ("preview", "per", "x", "y")
    assert search_query.tsquery(parsed.words) == "preview:* & per:* & x:* & y:*"
    assert len(search_query.parse(" ".join(f"w{i}" for i in range(30))).words) == 8
    with pytest.raises(search_query.QueryTooLong):
        search_query.parse("a" * 201)


@pytest.mark.parametrize("n", [1, 12])
def test_query_budget_is_constant_in_data_size(team, people, n, django_assert_max_num_queries):
    dri = people["dri"]
    for i in range(n):
        initiative = make_initiative(team, dri, title=f"Preview thing {i}")
        make_milestone(initiative, dri, title=f"Preview milestone {i}")
        services.task_create(initiative=initiative, actor=dri, title=f"Preview task {i}")
        services.status_update_post(
            initiative=initiative, actor=dri, health=Health.ON_TRACK, progress="Preview going"
        )
    with django_assert_max_num_queries(5):
        results = run(people["viewer"], "preview")
    assert results.count == 4 * min(n, 10)


# --- The web page ------------------------------------------------------------------------------


def test_page_groups_results_and_links_to_them(client, corpus, people):
    client.force_login(people["viewer"])
    response = client.get(reverse("search"), {"q": "preview per"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview permissions for editors" in body
    assert f'href="/i/{corpus["preview"].key}/"' in body
    assert "Preview secret plans" not in body
    body = client.get(reverse("search"), {"q": "perm"}).content.decode()
    assert f'href="/i/{corpus["preview"].key}/#milestone-{corpus["milestone"].pk}"' in body


def test_page_budget(client, corpus, people, django_assert_max_num_queries):
    client.force_login(people["viewer"])
    with django_assert_max_num_queries(9):
        assert client.get(reverse("search"), {"q": "preview"}).status_code == 200


def test_page_requires_login(client):
    response = client.get(reverse("search"), {"q": "x"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_page_bad_input_is_400_or_empty_never_500(client, people):
    client.force_login(people["viewer"])
    response = client.get(reverse("search"), {"q": "a" * 5000})
    assert response.status_code == 200
    assert "A search is at most 200 characters." in response.content.decode()
    assert client.get(reverse("search"), {"q": "a\x00b"}).status_code == 400  # NUL middleware
    assert client.get(reverse("search"), {"q": ["x", "y"]}).status_code == 200
    assert client.get(reverse("search")).status_code == 200


# --- The API -----------------------------------------------------------------------------------


def test_api_search(client, corpus, people, django_assert_max_num_queries):
    client.force_login(people["viewer"])
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/search/", {"q": "preview per"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["words"] == ["preview", "per"]
    [initiatives] = [g for g in body["groups"] if g["kind"] == "initiative"]
    assert [r["title"] for r in initiatives["results"]] == ["Preview permissions for editors"]
    assert initiatives["results"][0]["initiative"] == corpus["preview"].key


def test_api_refuses_bad_input_with_400(client, people):
    client.force_login(people["viewer"])
    response = client.get("/api/v1/search/", {"q": "a" * 201})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert client.get("/api/v1/search/", {"q": "a\x00"}).status_code == 400


def test_api_requires_authentication(client):
    assert client.get("/api/v1/search/", {"q": "x"}).status_code == 401


# --- PostgreSQL's full-text path ---------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_full_text_prefix_and_fallback(corpus, people):
    assert connection.vendor == "postgresql"
    assert titles(run(people["viewer"], "preview per"), "initiative") == [
        "Preview permissions for editors"
    ]
    # Nothing starts with "missions": the ILIKE fallback finds it inside "permissions".
    assert titles(run(people["viewer"], "missions"), "initiative") == [
        "Preview permissions for editors"
    ]
