"""The gates section's per-item figures (waivers, ticks and their median days) computed by one
GROUP BY on PostgreSQL are those the Python count gives (the path SQLite takes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from initiatives.dashboard import trends
from initiatives.models import ChecklistItem, ItemStatus
from tests.factories import make_initiative

pytestmark = pytest.mark.postgres


def test_sql_and_python_agree(team, people, monkeypatch):
    for n in range(4):
        initiative = make_initiative(team, people["dri"], title=f"I{n}")
        items = list(ChecklistItem.objects.filter(initiative=initiative).order_by("pk"))
        for i, item in enumerate(items):
            if (i + n) % 3 == 0:
                item.status = ItemStatus.DONE
                item.decided_at = initiative.created_at + dt.timedelta(hours=7 * i + 5 * n + 1)
            elif (i + n) % 5 == 0:
                item.status = ItemStatus.WAIVED
                item.waiver_reason = "Not needed"
                item.decided_at = timezone.now()
            item.save()
    sql = trends.decided_items([team.pk])
    monkeypatch.setattr(connection, "vendor", "python")
    python = trends.decided_items([team.pk])
    assert sql[0] == python[0] and sql[0]
    assert set(sql[1]) == set(python[1]) and sql[1]
    for key, (count, median_days) in python[1].items():
        assert sql[1][key][0] == count
        assert round(sql[1][key][1], 1) == round(median_days, 1), key
