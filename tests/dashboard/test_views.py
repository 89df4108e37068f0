"""The dashboard pages, CSV export and JSON endpoint: access, actions, content, query budget."""

import csv
import datetime as dt
import io

import pytest
import requests
import schemathesis
import time_machine
from django.urls import reverse

from initiatives import services
from initiatives.models import Membership, Role, State, TaskState
from initiatives.rules.permissions import is_contributor
from tests.dashboard.conftest import NOW
from tests.factories import TeamFactory, make_initiative

TEAM_DASHBOARD = reverse("team-dashboard", kwargs={"key": "PLAT"})
# Session and user (2), the viewer's teams (1), the portfolio summary (12); the page's intake
# section one more for teams without requests (at most three with); the Flow section's team
# policies two (WIP limits, policy overrides; policies.selectors.policy_flow).
QUERY_BUDGET = 15


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_anonymous_is_sent_to_log_in(client, team):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_member_sees_their_team_dashboard(client, portfolio, people, frozen):
    client.force_login(people["em"])
    response = client.get(TEAM_DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    for section in ("Now", "Dates", "History", "Gates", "Health drift", "Flow", "Initiatives"):
        assert f">{section}</h2>" in html
    assert 'role="img"' in html and "<title" in html
    assert "Vendor contract unsigned" in html
    assert "No task has moved since 2026-02-01" in html


def test_other_team_dashboard_is_404(client, portfolio, people):
    client.force_login(people["outsider"])  # an EM of DATA
    assert client.get(TEAM_DASHBOARD).status_code == 404
    assert client.get(reverse("team-dashboard-csv", kwargs={"key": "PLAT"})).status_code == 404
    assert client.get(reverse("api-portfolio"), {"team": "PLAT"}).status_code == 404


def test_all_teams_dashboard_shows_only_the_viewers_teams(client, portfolio, people, frozen):
    data = TeamFactory(key="DATA")
    make_initiative(data, people["outsider"], title="Lakehouse")
    client.force_login(people["outsider"])
    html = client.get(reverse("dashboard")).content.decode()
    assert "Lakehouse" in html and "Charlie" not in html


def test_contributors_get_action_buttons_viewers_do_not(client, portfolio, people, frozen):
    client.force_login(people["em"])
    html = client.get(TEAM_DASHBOARD).content.decode()
    assert 'data-action="post-update"' in html
    assert 'data-action="open-checklist"' in html

    client.force_login(people["viewer"])
    response = client.get(TEAM_DASHBOARD)
    assert response.status_code == 200
    assert "Charlie" in response.content.decode()
    assert "data-action=" not in response.content.decode()


@pytest.mark.parametrize("who", ["dri", "engineer", "em", "pm", "security", "legal", "viewer"])
def test_action_buttons_follow_the_contributor_rule(client, portfolio, people, frozen, who):
    client.force_login(people[who])
    html = client.get(TEAM_DASHBOARD).content.decode()
    role = Membership.objects.get(user=people[who], team=portfolio.team).role
    assert ('data-action="post-update"' in html) is is_contributor(role)


def test_csv_export_of_the_initiatives_table(client, portfolio, people, frozen):
    client.force_login(people["viewer"])
    response = client.get(reverse("team-dashboard-csv", kwargs={"key": "PLAT"}))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["Key"] for r in rows] == ["PLAT-1", "PLAT-2", "PLAT-3", "PLAT-4", "PLAT-5"]
    charlie = rows[2]
    assert (charlie["State"], charlie["Health"], charlie["Milestone due"]) == (
        "in_delivery",
        "on_track",
        "2026-02-20",
    )

    filtered = client.get(reverse("dashboard-csv"), {"state": "done"})
    assert [r["Key"] for r in csv.DictReader(io.StringIO(filtered.content.decode()))] == [
        "PLAT-1",
        "PLAT-2",
    ]


def test_csv_cells_cannot_become_formulas(client, team, people):
    make_initiative(team, people["dri"], title="=HYPERLINK(1)")
    client.force_login(people["dri"])
    response = client.get(reverse("dashboard-csv"))
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_chart_links_filter_the_table(client, portfolio, people, frozen):
    client.force_login(people["em"])
    html = client.get(TEAM_DASHBOARD, {"state": "done"}).content.decode()
    table = html[html.index('id="initiatives"') :]
    assert "Alpha" in table and "Bravo" in table and "Charlie" not in table
    assert f'href="{TEAM_DASHBOARD}?state=in_delivery#initiatives"' in html


def test_api_returns_the_same_figures(client, portfolio, people, frozen):
    client.force_login(people["viewer"])
    response = client.get(reverse("api-portfolio"), {"team": "PLAT"})
    assert response.status_code == 200
    data = response.json()
    assert data["teams"] == ["PLAT"]
    assert data["now"]["by_health"] == {"on_track": 1, "at_risk": 1, "off_track": 0, "none": 0}
    assert data["gates"]["waits"]["done"]["median_days"] == 5.0
    assert [d["key"] for d in data["drift"]] == ["PLAT-3"]
    assert data["dates"]["milestones_due"][0]["due_date"] == "2026-02-20"
    assert data["flow"]["wip"][0]["username"] == "dri"
    assert client.get(reverse("api-portfolio")).json()["teams"] == ["PLAT"]


def test_api_needs_authentication(client, team):
    assert client.get(reverse("api-portfolio")).status_code in (401, 403)


def test_api_answers_match_the_openapi_schema(client, portfolio, people, frozen):
    """The documented response shape holds on data where every list has rows (the schemathesis
    suite runs the endpoint on a nearly empty team)."""
    client.force_login(people["viewer"])
    api = schemathesis.openapi.from_dict(client.get(reverse("api-schema") + "?format=json").json())
    operation = api["/api/v1/portfolio/"]["GET"]
    for params, status in (({"team": "PLAT"}, 200), ({}, 200), ({"team": "NOPE"}, 404)):
        response = client.get(reverse("api-portfolio"), params)
        assert response.status_code == status
        request = requests.Request(
            "GET", f"http://testserver{reverse('api-portfolio')}", params=params
        )
        operation.validate_response(
            schemathesis.Response(
                status_code=response.status_code,
                headers={name: [value] for name, value in response.headers.items()},
                content=response.content,
                request=request.prepare(),
                elapsed=0.0,
                verify=True,
            )
        )


# --- Query budget ------------------------------------------------------------------------------


def build(team, people, count: int) -> None:
    """``count`` initiatives with milestones, a slip, tasks, a moved task, updates and
    checklist decisions: every kind of row the dashboard reads."""
    dri, em = people["dri"], people["em"]
    for n in range(count):
        row = make_initiative(team, dri, title=f"Initiative {n}")
        services.initiative_transition(initiative=row, to=State.SCOPING, actor=dri)
        milestone = services.milestone_create(
            initiative=row, actor=dri, title="M", due_date=dt.date.today() + dt.timedelta(days=5)
        )
        services.milestone_update(
            milestone=milestone,
            actor=dri,
            changes={"due_date": dt.date.today() + dt.timedelta(days=9)},
        )
        services.status_update_post(initiative=row, actor=dri, health="at_risk", risks="r")
        if n % 2:
            services.initiative_transition(
                initiative=row, to=State.READY, actor=em, override=True, reason="go"
            )
            services.initiative_transition(initiative=row, to=State.IN_DELIVERY, actor=dri)
            task = services.task_create(
                initiative=row, actor=dri, title="T", milestone=milestone, assignee=dri
            )
            services.task_update(task=task, actor=dri, changes={"state": TaskState.IN_PROGRESS})


@pytest.mark.parametrize("count", [3, 50])
def test_dashboard_runs_a_fixed_number_of_queries(
    count, client, team, people, django_assert_max_num_queries
):
    build(team, people, count)
    # A second team for /dashboard/.
    Membership.objects.create(team=TeamFactory(key="OPS"), user=people["em"], role=Role.VIEWER)
    client.force_login(people["em"])
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(reverse("dashboard")).status_code == 200
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(TEAM_DASHBOARD).status_code == 200
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(reverse("api-portfolio"), {"team": "PLAT"}).status_code == 200
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(reverse("dashboard-csv")).status_code == 200
