"""``GET /api/v1/teams/{KEY}/export/``: the team's export for its EMs only."""

from __future__ import annotations

from django.urls import reverse

from initiatives.transfer.selectors import FORMAT


def test_the_em_downloads_the_team_export(clients, initiative):
    response = clients["em"].get(reverse("api-team-export", kwargs={"key": "plat"}))

    assert response.status_code == 200
    data = response.json()
    assert data["format"] == FORMAT and data["team"]["key"] == "PLAT"
    assert [i["number"] for i in data["initiatives"]] == [initiative.number]
    assert data["activity"][0]["verb"] == "initiative.created"
    assert "attachment" in response["Content-Disposition"]


def test_only_the_em_exports_and_other_teams_do_not_exist(clients, initiative):
    url = reverse("api-team-export", kwargs={"key": "PLAT"})
    for role in ("dri", "engineer", "pm", "security", "legal", "viewer"):
        refused = clients[role].get(url)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert clients["outsider"].get(url).status_code == 404
    assert clients["em"].get(reverse("api-team-export", kwargs={"key": "NOPE"})).status_code == 404
