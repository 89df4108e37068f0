"""``make run`` seeds demo data with ``seed_demo``; every page shows it for each demo role."""

from django.core.management import call_command
from django.urls import reverse

from initiatives.goals.models import CheckIn, Goal
from initiatives.models import Initiative, Milestone, Task


def test_demo_data_renders_on_every_page(client, db):
    call_command("seed_demo", "--force", verbosity=0)  # tests run with DEBUG off
    initiatives = list(Initiative.objects.select_related("team"))
    assert initiatives
    for username in ("dana", "erin", "sam", "vic"):
        client.login(username=username, password="shipshape-demo")
        assert client.get(reverse("my-work")).status_code == 200
        board = client.get(reverse("team-detail", args=["PLAT"]))
        assert board.status_code == 200
        assert all(i.title in board.content.decode() for i in initiatives)
        table = client.get(reverse("team-detail", args=["PLAT"]), {"view": "table"})
        assert table.status_code == 200
        for initiative in initiatives:
            response = client.get(initiative.get_absolute_url())
            assert response.status_code == 200, (username, initiative.key)
        # Goals: two with key results, check-ins and contributing initiatives.
        assert client.get(reverse("goals-team", args=["PLAT"])).status_code == 200
        for goal in Goal.objects.all():
            page = client.get(reverse("goal-detail", args=[goal.pk])).content.decode()
            assert "<svg" in page
            assert "Kubernetes 1.31 upgrade" in page or "OpenTelemetry rollout" in page
    assert Goal.objects.count() == 2 and CheckIn.objects.exists()
    client.login(username="dana", password="shipshape-demo")
    milestone = Milestone.objects.first()
    task = Task.objects.first()
    assert client.get(reverse("milestone-edit", args=[milestone.pk])).status_code == 200
    assert client.get(reverse("task-edit", args=[task.pk])).status_code == 200
