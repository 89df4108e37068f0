"""The CSV downloads of the web's lists: the board and table with the page's filters, an
initiative's tasks, weekly updates and date changes; members only; formulas quoted; a fixed
number of queries whatever the size of the list."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from initiatives import services
from tests.factories import make_initiative, make_milestone


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def signed_in(people):
    def make(role: str) -> Client:
        client = Client()
        client.force_login(people[role])
        return client

    return make


@pytest.fixture
def planned(team, people):
    """Two initiatives (one at risk); the first has a milestone whose date moved twice,
    tasks and a weekly update."""
    first = make_initiative(team, people["dri"], title="=HYPERLINK(evil)")
    make_initiative(team, people["em"], title="Second")
    milestone = make_milestone(first, people["dri"], days=10)
    services.milestone_update(
        milestone=milestone,
        actor=people["dri"],
        changes={"due_date": milestone.due_date + dt.timedelta(days=5)},
        slip_reason="Vendor delay",
    )
    services.task_create(
        initiative=first, actor=people["dri"], title="Draft", assignee=people["engineer"]
    )
    services.status_update_post(
        initiative=first, actor=people["dri"], health="at_risk", progress="Half", risks="Quota"
    )
    return first


def test_the_team_csv_has_every_initiative_the_filters_select(planned, people, signed_in):
    url = reverse("team-initiatives-csv", kwargs={"team_key": "PLAT"})

    everything = rows_of(signed_in("viewer").get(url))
    at_risk = rows_of(signed_in("viewer").get(url, {"health": "at_risk"}))
    by_dri = rows_of(signed_in("viewer").get(url, {"dri": people["em"].pk, "view": "table"}))

    assert everything[0][:5] == ["Key", "Title", "State", "Health", "DRI"]
    assert [r[0] for r in everything[1:]] == ["PLAT-1", "PLAT-2"]
    assert everything[1][1] == "'=HYPERLINK(evil)"  # not a formula in a spreadsheet
    assert [r[0] for r in at_risk[1:]] == ["PLAT-1"] and at_risk[1][3] == "At risk"
    assert [r[0] for r in by_dri[1:]] == ["PLAT-2"]
    sorted_by_title = rows_of(signed_in("em").get(url, {"sort": "-title"}))
    assert [r[1] for r in sorted_by_title[1:]] == ["Second", "'=HYPERLINK(evil)"]


def test_the_initiative_csvs_list_its_tasks_updates_and_date_changes(planned, signed_in):
    client = signed_in("engineer")
    key = {"key": planned.key}

    tasks = rows_of(client.get(reverse("initiative-tasks-csv", kwargs=key)))
    updates = rows_of(client.get(reverse("initiative-updates-csv", kwargs=key)))
    slips = rows_of(client.get(reverse("initiative-slips-csv", kwargs=key)))

    assert tasks[1][:3] == ["Draft", "To do", "Eng"]
    assert updates[1][1:5] == ["At risk", "", "Half", "Quota"]
    assert slips[1][0] == "Pilot" and slips[1][3:6] == ["5", "planning", "Vendor delay"]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("team-initiatives-csv", {"team_key": "PLAT"}),
        ("initiative-tasks-csv", {"key": "PLAT-1"}),
        ("initiative-updates-csv", {"key": "PLAT-1"}),
        ("initiative-slips-csv", {"key": "PLAT-1"}),
    ],
)
def test_a_list_csv_is_for_members_only(planned, signed_in, name, kwargs):
    url = reverse(name, kwargs=kwargs)

    assert signed_in("outsider").get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_csvs_read_a_fixed_number_of_queries(
    team, people, signed_in, django_assert_max_num_queries
):
    first = make_initiative(team, people["dri"])
    client = signed_in("dri")
    urls = [
        reverse("team-initiatives-csv", kwargs={"team_key": "PLAT"}),
        *(
            reverse(name, kwargs={"key": first.key})
            for name in ("initiative-tasks-csv", "initiative-updates-csv", "initiative-slips-csv")
        ),
    ]

    def grow(n: int) -> None:
        for i in range(n):
            make_initiative(team, people["dri"], title=f"More {i}")
            milestone = make_milestone(first, people["dri"], days=10 + i)
            services.milestone_update(
                milestone=milestone,
                actor=people["dri"],
                changes={"due_date": milestone.due_date + dt.timedelta(days=1)},
            )
            services.task_create(initiative=first, actor=people["dri"], title=f"Task {i}")

    for size in (1, 5):
        grow(size)
        for url in urls:
            with django_assert_max_num_queries(8):
                rows_of(client.get(url))
