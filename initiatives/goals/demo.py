"""Goals' part of the demo data (``manage.py seed_demo``): two of PLAT's goals for the current
quarter with results and monitors, a few weeks of check-ins and the initiatives serving them,
written through the services like everything else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from initiatives.goals import services as goals
from initiatives.goals.models import Direction, GoalStatus, KeyResult, KRKind, Period
from initiatives.models import Initiative, Team
from initiatives.rules.workflow import iso_week, shift_week


def seed(team: Team, users: dict[str, Any]) -> None:
    erin, dana, eve, eli = users["erin"], users["dana"], users["eve"], users["eli"]
    today = timezone.localdate()
    quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    weeks_in = max((today - quarter).days // 7, 0)
    deploy = goals.goal_create(
        team=team, actor=erin, owner=dana, period=Period.QUARTER, starts_on=quarter,
        title="The easiest self-hosted platform to deploy",
        description="Installs and upgrades that just work, so that teams **self-serve**.",
    )  # fmt: skip
    installs = goals.key_result_create(
        goal=deploy, actor=erin, owner=dana, title="Successful installs and upgrades",
        kind=KRKind.RESULT, unit=" %", baseline=82, target=97,
    )  # fmt: skip
    latest = goals.key_result_create(
        goal=deploy, actor=erin, owner=eve, title="Users on the latest version",
        kind=KRKind.MONITOR, direction=Direction.BAND, unit=" %", band_low=60, band_high=100,
    )  # fmt: skip
    reliable = goals.goal_create(
        team=team, actor=erin, owner=eli, period=Period.QUARTER, starts_on=quarter,
        status=GoalStatus.AT_RISK, title="A platform teams can rely on",
    )  # fmt: skip
    uptime = goals.key_result_create(
        goal=reliable, actor=erin, owner=eli, title="Platform service uptime",
        kind=KRKind.MONITOR, direction=Direction.INCREASE, unit=" %", target=99.9,
    )  # fmt: skip
    recovery = goals.key_result_create(
        goal=reliable, actor=erin, owner=eli, title="Time to recover a service",
        kind=KRKind.RESULT, direction=Direction.DECREASE, unit=" min", baseline=25, target=5,
    )  # fmt: skip
    series: dict[KeyResult, list[float]] = {
        installs: [84, 86, 87, 89, 90, 92, 93],
        latest: [71, 66, 62, 58, 61, 64, 67],
        uptime: [99.95, 99.92, 99.8, 99.93, 99.97, 99.85, 99.91],
        recovery: [24, 22, 21, 19, 18, 17, 16],
    }
    this_week = iso_week(today)
    for kr, values in series.items():
        shown = values[-(weeks_in + 1) :]
        for back, value in enumerate(reversed(shown)):
            goals.check_in(
                key_result=kr,
                actor=erin,
                value=value,
                week=shift_week(this_week, -back) if back else None,
                confidence=80 if kr is not recovery else 45,
            )
    by_title = {i.title: i for i in Initiative.objects.filter(team=team)}
    for title, krs in (
        ("Kubernetes 1.31 upgrade", [installs, latest]),
        ("Terraform module registry", [installs]),
        ("OpenTelemetry rollout", [uptime, recovery]),
        ("Ephemeral CI runners", [recovery]),
    ):
        if title in by_title:
            goals.initiative_key_results_set(
                initiative=by_title[title], actor=erin, key_results=krs
            )
