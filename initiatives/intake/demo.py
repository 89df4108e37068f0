"""Intake's part of the demo data (``manage.py seed_demo``): a rotation and a few requests to
PLAT, written through the services like everything else."""

from __future__ import annotations

from typing import Any

from initiatives.intake import rotation
from initiatives.intake import services as intake
from initiatives.intake.models import Category, Impact
from initiatives.models import Team


def seed(team: Team, users: dict[str, Any]) -> None:
    rotation.rotation_set(team=team, actor=users["erin"], members=[users["eli"], users["dana"],
                          users["eve"]])  # fmt: skip
    intake.request_create(
        team=team,
        actor=users["vic"],
        title="Builds queue for 20 minutes every morning",
        description="Since Monday the first CI jobs of the day wait for a runner.",
        category=Category.CAT1,
        impact=Impact.HIGH,
    )
    intake.request_create(
        team=team,
        actor=users["lee"],
        title="ARM runners for the mobile apps",
        category=Category.FEATURE,
    )
    question = intake.request_create(
        team=team,
        actor=users["sam"],
        title="Where do the cluster audit logs go?",
        category=Category.QUESTION,
        impact=Impact.LOW,
    )
    intake.request_triage(
        request=question,
        actor=users["eli"],
        action="needs_info",
        question="Which cluster, and for which period?",
    )
