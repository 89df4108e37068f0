"""Every page runs a fixed number of queries whatever the data size: the same budget holds
with 3 and with 30 initiatives, milestones and tasks.

The budgets include the session and user lookups (2) that every signed-in request makes."""

import pytest
from django.urls import reverse

from initiatives.models import Milestone, Task
from tests.web.conftest import populate

BUDGETS = {
    # The first view; a cached one runs 3 (+1 intake's on-call duties, +1 requests for you).
    "my-work": 10,
    "my-work-security": 11,  # +1: "You are blocking" (policies.selectors.you_are_blocking)
    "team-list": 3,
    # +2: intake's header counts (settings, counts), +1: the team's WIP limit for the In
    # delivery column's header (policies.selectors.wip_count); cached after
    "team-board": 10,
    "team-table": 9,
    # 4 for the discussion (views/collab.py); 1 for the key results it serves (goals, read
    # outside the cached body: another team's goal changes without this team's data version);
    # 1 for blocked-by links (policies).
    "initiative-detail": 18,
    "initiative-edit": 7,
    "initiative-create": 7,
    "initiative-people": 7,
    "status-update": 8,
    "milestone-create": 6,
    "milestone-edit": 5,
    "task-create": 8,
    "task-edit": 6,
}


def _urls(initiative):
    milestone = Milestone.objects.filter(initiative=initiative).first()
    task = Task.objects.filter(initiative=initiative).first()
    team = initiative.team.key
    return {
        "my-work": ("dri", reverse("my-work")),
        "my-work-security": ("security", reverse("my-work")),
        "team-list": ("dri", reverse("team-list")),
        "team-board": ("dri", reverse("team-detail", args=[team])),
        "team-table": ("dri", reverse("team-detail", args=[team]) + "?view=table&sort=-dor"),
        "initiative-detail": ("dri", initiative.get_absolute_url()),
        "initiative-edit": ("dri", reverse("initiative-edit", args=[initiative.key])),
        "initiative-create": ("dri", reverse("initiative-create", args=[team])),
        "initiative-people": ("dri", reverse("initiative-people", args=[initiative.key])),
        "status-update": ("dri", reverse("status-update", args=[initiative.key])),
        "milestone-create": ("dri", reverse("milestone-create", args=[initiative.key])),
        "milestone-edit": ("dri", reverse("milestone-edit", args=[milestone.pk])),
        "task-create": ("dri", reverse("task-create", args=[initiative.key])),
        "task-edit": ("dri", reverse("task-edit", args=[task.pk])),
    }


@pytest.mark.parametrize("size", [3, 30])
def test_every_page_stays_within_its_query_budget(
    client, team, people, size, django_assert_max_num_queries
):
    rows = populate(team, people, size)
    for name, (who, url) in _urls(rows[0]).items():
        client.force_login(people[who])
        with django_assert_max_num_queries(BUDGETS[name], info=name):
            response = client.get(url)
        assert response.status_code == 200, name
        if name == "initiative-detail":
            assert response.content.decode().count('class="milestone ') == size
