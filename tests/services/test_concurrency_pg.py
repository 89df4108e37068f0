"""Row locking and number allocation under real concurrency (PostgreSQL only)."""

import threading

import pytest
from django.db import connection

from initiatives import services
from initiatives.models import ActivityEvent, Initiative, State
from initiatives.rules.exceptions import ApplicationError
from tests.factories import make_initiative

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(workers):
    """Start every callable at the same moment; return their results or exceptions."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(i, work):
        try:
            barrier.wait()
            results[i] = work()
        except Exception as error:  # collected and asserted on by the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_racing_transitions_exactly_one_wins(team, people):
    for _ in range(5):  # several rounds: a lucky ordering must not hide a race
        initiative = make_initiative(team, people["dri"])
        results = run_concurrently(
            [
                lambda i=initiative: services.initiative_transition(
                    initiative=i, to=State.SCOPING, actor=people["dri"]
                ),
                lambda i=initiative: services.initiative_transition(
                    initiative=i, to=State.SCOPING, actor=people["em"]
                ),
            ]
        )
        wins = [r for r in results if isinstance(r, Initiative)]
        refusals = [r for r in results if isinstance(r, ApplicationError)]
        assert len(wins) == 1 and len(refusals) == 1, results
        assert refusals[0].code == "invalid_transition"
        assert "Scoping to Scoping" in refusals[0].message
        events = ActivityEvent.objects.filter(initiative=initiative, verb="initiative.transitioned")
        assert events.count() == 1


def test_concurrent_creations_get_distinct_consecutive_numbers(team, people):
    creators = [people["dri"], people["em"], people["pm"], people["engineer"]] * 2
    results = run_concurrently(
        [
            lambda u=u, n=n: make_initiative(team, u, title=f"Parallel {n}")
            for n, u in enumerate(creators)
        ]
    )
    assert all(isinstance(r, Initiative) for r in results), results
    numbers = sorted(r.number for r in results)
    assert numbers == list(range(1, len(creators) + 1))
