import datetime as dt
import os
import smtplib

import pytest
import time_machine
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import TestCase

from initiatives import services
from initiatives.models import DigestSubscription, Health, Role, State, Team
from initiatives.rules.exceptions import GateBlocked
from initiatives.weekly import jobs as weekly_jobs
from tests.factories import TeamFactory, make_initiative, member

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    """``utc("2026-11-19 09:00")``"""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def committed():
    """Run what the code under test registered with ``on_commit`` when the block ends, as a
    real commit would (tests run inside a transaction that never commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def run_job(team, week, kind):
    """Run a job with its deliveries sent in this process; the job as it ends up."""
    with committed():
        job = weekly_jobs.run_job(team.pk, week, kind, dispatch=weekly_jobs.deliver)
    job.refresh_from_db()
    return job


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping())
    except Exception:
        return False


# The tests build weeks of November 2026; a digest is refused for a week before its team
# existed, so their teams date from the start of the year.
TEAMS_SINCE = utc("2026-01-01 00:00")


def backdate(team):
    Team.objects.filter(pk=team.pk).update(created_at=TEAMS_SINCE)
    team.refresh_from_db()
    return team


@pytest.fixture
def team(team):
    return backdate(team)


@pytest.fixture(autouse=True)
def _needs_redis(request):
    if request.node.get_closest_marker("redis") and not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI but 127.0.0.1:6379 does not answer.")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


# --- Building a team's week ------------------------------------------------------------------


def move(initiative, actor, *states):
    """Walk ``initiative`` through ``states``; an EM overrides any gate on the way."""
    for to in states:
        reason = "test setup" if to == State.CANCELLED else ""
        try:
            services.initiative_transition(initiative=initiative, to=to, actor=actor, reason=reason)
        except GateBlocked:
            services.initiative_transition(
                initiative=initiative, to=to, actor=actor, override=True, reason="test setup"
            )
        initiative.refresh_from_db()
    return initiative


def post(initiative, actor, week: str, health: str, now: dt.datetime, **texts):
    if health != Health.ON_TRACK:
        texts.setdefault("risks", f"Risk of {initiative.title}")
    texts.setdefault("progress", f"Progress on {initiative.title}")
    texts.setdefault("next_week", f"Next for {initiative.title}")
    return services.status_update_post(
        initiative=initiative, actor=actor, health=health, week=week, now=now, **texts
    )


def delivering(team, dri, em, title):
    return move(make_initiative(team, dri, title=title), em, State.SCOPING, State.READY,
                State.IN_DELIVERY)  # fmt: skip


@pytest.fixture
def crew(team, people):
    """PLAT's digest audience: the EM and PM (by role), a subscribed engineer and an
    email-only subscriber."""
    DigestSubscription.objects.create(team=team, user=people["engineer"], active=True)
    DigestSubscription.objects.create(team=team, email="director@example.org", label="Director")
    return people


@pytest.fixture
def recipients_team(db):
    """A team with four digest recipients and one active initiative (for delivery tests)."""
    team = backdate(TeamFactory(key="OPS", name="Operations"))
    em = member(team, Role.EM, "ops-em")
    member(team, Role.PM, "ops-pm")
    member(team, Role.PM, "ops-pm2")
    dri = member(team, Role.ENGINEER, "ops-dri")
    DigestSubscription.objects.create(team=team, email="vp@example.org", label="VP")
    with travel(utc("2026-11-16 10:00")):  # in 2026-W47, the week the tests send a digest of
        initiative = delivering(team, dri, em, "Postgres 17")
    return team, initiative


# --- Email backends for failure tests --------------------------------------------------------


class FlakyBackend(LocmemBackend):
    """Delivers the first ``budget`` messages, then the SMTP server goes away."""

    budget: int | None = None
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, messages):
        if FlakyBackend.budget is not None:
            if FlakyBackend.budget <= 0:
                raise FlakyBackend.error
            FlakyBackend.budget -= 1
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.weekly.conftest.FlakyBackend"
    FlakyBackend.budget = None
    FlakyBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    yield FlakyBackend
    FlakyBackend.budget = None
