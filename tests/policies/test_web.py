"""The web face: the policies page, a refused start showing the policy's sentence, priority
moves without JavaScript, blocked-by on both initiative pages, the board's WIP header (with
its query budget), my work's "You are blocking", the digest's "at risk from" and the
dashboard's policy flow."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives import services
from initiatives.models import Health, Initiative, Role, State
from initiatives.policies.models import Dependency, TeamPolicy
from initiatives.policies.services import dependency_add
from tests.factories import TeamFactory, make_initiative, member
from tests.policies.helpers import ready, set_policy, start
from tests.web.conftest import populate

pytestmark = pytest.mark.django_db

ROLES = ["dri", "engineer", "em", "pm", "security", "legal", "viewer", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_policies_page_roles(client, team, people, role):
    client.force_login(people[role])
    url = reverse("team-policies", args=["PLAT"])
    page = client.get(url)
    posted = client.post(url, {"wip_team": "3", "pairing_min": "2", "pairing_required": "on"})
    if role == "outsider":
        assert page.status_code == posted.status_code == 404
        return
    assert page.status_code == 200
    if role == "em":
        assert posted.status_code == 302
        policy = TeamPolicy.objects.get(team=team)
        assert (policy.wip_team, policy.pairing_required, policy.pairing_min) == (3, True, 2)
        assert "at most 3 in delivery" in client.get(url).content.decode()
    else:
        assert posted.status_code == 403
        assert not TeamPolicy.objects.exists()


@pytest.mark.parametrize(
    "data", [{"wip_team": "0", "pairing_min": "2"}, {"pairing_min": "1"}, {"wip_dri": "x"}]
)
def test_policies_form_refuses_bad_values(client, people, data):
    client.force_login(people["em"])
    response = client.post(reverse("team-policies", args=["PLAT"]), data)
    assert response.status_code == 400
    assert not TeamPolicy.objects.exists()


def test_a_refused_start_shows_the_sentence(client, team, people):
    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    start(first, people["dri"])
    second = ready(team, people["engineer"], people["em"])
    client.force_login(people["engineer"])
    url = reverse("initiative-transition", args=[second.key])
    sentence = f"Finish {first.key} first: the team&#x27;s limit is 1 in delivery."
    # htmx: the page with the refusal, swapped in place.
    response = client.post(url, {"to": "in_delivery"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and sentence in response.content.decode()
    # Without JavaScript: back at the page's own URL, at the moves, with the sentence.
    response = client.post(url, {"to": "in_delivery"}, follow=True)
    assert response.redirect_chain == [(f"{second.get_absolute_url()}#moves", 303)]
    assert sentence in response.content.decode()
    second.refresh_from_db()
    assert second.state == State.READY


def test_the_page_warns_before_the_start_and_offers_the_override(client, team, people):
    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    start(first, people["dri"])
    second = ready(team, people["engineer"], people["em"])
    client.force_login(people["engineer"])
    html = client.get(second.get_absolute_url()).content.decode()
    assert f"Finish {first.key} first" in html and "Override and move" not in html
    client.force_login(people["em"])
    html = client.get(second.get_absolute_url()).content.decode()
    assert f"Finish {first.key} first" in html and "Override and move" in html
    client.force_login(people["viewer"])
    assert f"Finish {first.key} first" not in client.get(second.get_absolute_url()).content.decode()


def test_rank_moves_without_javascript(client, team, people):
    a, b, c = (make_initiative(team, people["dri"], title=t) for t in ("A", "B", "C"))
    client.force_login(people["em"])
    board = client.get(reverse("team-detail", args=["PLAT"]), {"sort": "rank"}).content.decode()
    assert f'aria-label="Move {c.key} up"' in board
    response = client.post(
        reverse("initiative-rank", args=[c.key]),
        {"direction": "up", "within": "state", "next": "/teams/PLAT/?sort=rank"},
    )
    assert response.status_code == 302 and response["Location"] == "/teams/PLAT/?sort=rank"
    order = list(Initiative.objects.order_by("rank").values_list("title", flat=True))
    assert order == ["A", "C", "B"]
    # The table sorts by rank and shows the same order.
    table = client.get(
        reverse("team-detail", args=["PLAT"]), {"view": "table", "sort": "rank"}
    ).content.decode()
    rows = table.split("<tbody>")[1]
    assert rows.index(a.key) < rows.index(c.key) < rows.index(b.key)
    # An off-site "next" is not followed.
    response = client.post(
        reverse("initiative-rank", args=[a.key]),
        {"direction": "down", "next": "https://example.com/"},
    )
    assert response["Location"] == "/teams/PLAT/?sort=rank"


@pytest.mark.parametrize("role", ["dri", "engineer", "viewer", "security"])
def test_rank_moves_are_for_managers(client, team, people, role):
    a = make_initiative(team, people["dri"], title="A")
    make_initiative(team, people["dri"], title="B")
    client.force_login(people[role])
    board = client.get(reverse("team-detail", args=["PLAT"]), {"sort": "rank"}).content.decode()
    assert "Move " not in board
    response = client.post(reverse("initiative-rank", args=[a.key]), {"direction": "down"})
    assert response.status_code == 403
    assert Initiative.objects.get(pk=a.pk).rank == 1


def test_rank_refuses_get_and_outsiders(client, team, people):
    a = make_initiative(team, people["dri"], title="A")
    client.force_login(people["em"])
    assert client.get(reverse("initiative-rank", args=[a.key])).status_code == 405
    client.force_login(people["outsider"])
    response = client.post(reverse("initiative-rank", args=[a.key]), {"direction": "up"})
    assert response.status_code == 404


def test_blocked_by_on_both_pages_and_across_teams(client, team, people):
    cloud = TeamFactory(key="CLOUD", name="Cloud")
    member(cloud, Role.ENGINEER, "cloudy")
    from initiatives.models import Membership

    Membership.objects.create(team=cloud, user=people["dri"], role=Role.ENGINEER)
    theirs = make_initiative(cloud, people["dri"], title="Cloud migration")
    ours = make_initiative(team, people["dri"], title="Needs it")
    client.force_login(people["dri"])
    response = client.post(reverse("dependency-add", args=[ours.key]), {"blocker": theirs.key})
    assert response.status_code == 302
    assert Dependency.objects.filter(initiative=ours, blocker=theirs).exists()
    ours_page = client.get(ours.get_absolute_url()).content.decode()
    assert "Blocked by" in ours_page and theirs.key in ours_page
    theirs_page = client.get(theirs.get_absolute_url()).content.decode()
    assert ours.key in theirs_page.split('id="h-dependencies"')[1]
    # A PLAT viewer (not in CLOUD) cannot mark anything and sees the blocker by key only.
    client.force_login(people["viewer"])
    page = client.get(ours.get_absolute_url()).content.decode()
    assert theirs.key in page and "Cloud migration" not in page
    assert "Mark blocked" not in page
    assert client.get(theirs.get_absolute_url()).status_code == 404
    # A PLAT engineer who is not in CLOUD cannot name its initiatives.
    client.force_login(people["em"])
    other = make_initiative(team, people["dri"], title="Other")
    client.post(reverse("dependency-add", args=[other.key]), {"blocker": theirs.key})
    assert not Dependency.objects.filter(initiative=other).exists()
    # Removing.
    client.force_login(people["dri"])
    link = Dependency.objects.get(initiative=ours)
    client.post(reverse("dependency-remove", args=[ours.key, link.pk]))
    assert not Dependency.objects.exists()


def test_blocked_task(client, team, people, initiative):
    blocker = make_initiative(team, people["dri"], title="Blocker")
    task = services.task_create(initiative=initiative, actor=people["dri"], title="Wire it")
    client.force_login(people["dri"])
    client.post(
        reverse("dependency-add", args=[initiative.key]), {"blocker": blocker.key, "task": task.pk}
    )
    link = Dependency.objects.get()
    assert link.task == task
    assert "the task “Wire it”" in client.get(initiative.get_absolute_url()).content.decode()


def test_my_work_lists_you_are_blocking(client, team, people):
    mine = make_initiative(team, people["dri"], title="Platform upgrade")
    waiting = make_initiative(team, people["engineer"], title="Waits")
    dependency_add(initiative=waiting, actor=people["engineer"], blocker_key=mine.key)
    client.force_login(people["dri"])
    html = client.get(reverse("my-work")).content.decode()
    assert "You are blocking" in html and f"blocks {waiting.key}" in html
    client.force_login(people["engineer"])
    assert "You are blocking" not in client.get(reverse("my-work")).content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_board_with_wip_count_keeps_its_budget(
    client, team, people, size, django_assert_max_num_queries
):
    populate(team, people, size)
    set_policy(team, wip_team=2)
    client.force_login(people["dri"])
    # The budget of tests/web/test_query_budgets.py's team-board.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("team-detail", args=["PLAT"]))
    html = response.content.decode()
    assert '<span class="count wip over"' in html and f"{size} / 2" in html


def test_board_header_without_a_limit_is_the_plain_count(client, team, people):
    populate(team, people, 2)
    client.force_login(people["dri"])
    html = client.get(reverse("team-detail", args=["PLAT"])).content.decode()
    assert "count wip" not in html


def test_digest_says_at_risk_from_a_red_blocker_in_rank_order(client, team, people):
    from initiatives.rules.workflow import iso_week
    from initiatives.weekly.digest import build_digest, render_digest_text

    em = people["em"]
    blocker = ready(team, people["dri"], em, title="Blocker")
    start(blocker, people["dri"])
    services.status_update_post(
        initiative=blocker, actor=people["dri"], health=Health.OFF_TRACK, risks="Vendor"
    )
    first = ready(team, people["dri"], em, title="First")
    second = ready(team, people["dri"], em, title="Second")
    dependency_add(initiative=second, actor=people["dri"], blocker_key=blocker.key)
    from initiatives.policies.services import initiative_rerank

    initiative_rerank(initiative=second, actor=em, rank=1)
    week = iso_week(dt.date.today())
    digest = build_digest(team, week, now=timezone.now() + dt.timedelta(days=8))
    none = [r for r in digest.rows if not r.health]
    assert [r.initiative.key for r in none[:2]] == [second.key, first.key]
    assert none[0].at_risk_from == (blocker.key,)
    assert f"[at risk from {blocker.key}]" in render_digest_text(digest)


def test_dashboard_flow_shows_breaches_and_overrides(client, team, people):
    set_policy(team, wip_team=1)
    first = ready(team, people["dri"], people["em"])
    start(first, people["dri"])
    second = ready(team, people["engineer"], people["em"])
    start(second, people["em"], override=True, reason="Incident follow-up")
    client.force_login(people["em"])
    html = client.get(reverse("team-dashboard", args=["PLAT"])).content.decode()
    assert "PLAT: 2 in delivery, over its limit of 1" in html
    assert "Incident follow-up" in html and "wip_team 1/1" in html
