"""Policies and ranks under real concurrency (PostgreSQL only): racing starts cannot pass a
WIP limit, racing moves leave ranks unique and in order."""

import pytest

from initiatives.models import Initiative, State
from initiatives.policies.services import initiative_rerank
from initiatives.rules.exceptions import GateBlocked
from tests.factories import make_initiative
from tests.policies.helpers import ready, set_policy, start
from tests.services.test_concurrency_pg import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_starts_cannot_pass_the_team_limit(team, people):
    set_policy(team, wip_team=2)
    dris = [people["dri"], people["engineer"], people["pm"], people["em"]]
    for _ in range(3):  # several rounds: a lucky ordering must not hide a race
        waiting = [ready(team, d, people["em"]) for d in dris]
        results = run_concurrently(
            [lambda i=i, d=d: start(i, d) for i, d in zip(waiting, dris, strict=True)]
        )
        started = [r for r in results if isinstance(r, Initiative)]
        refused = [r for r in results if isinstance(r, GateBlocked)]
        assert len(started) + len(refused) == len(dris), results
        assert Initiative.objects.filter(team=team, state=State.IN_DELIVERY).count() <= 2
        Initiative.objects.filter(team=team, state=State.IN_DELIVERY).update(state=State.DONE)


def test_racing_per_dri_starts(team, people):
    set_policy(team, wip_dri=1)
    waiting = [ready(team, people["dri"], people["em"]) for _ in range(4)]
    results = run_concurrently([lambda i=i: start(i, people["dri"]) for i in waiting])
    assert sum(isinstance(r, Initiative) for r in results) == 1, results
    assert sum(isinstance(r, GateBlocked) for r in results) == 3


def test_racing_rank_moves_keep_ranks_unique_and_dense(team, people):
    initiatives = [make_initiative(team, people["dri"], title=f"R{n}") for n in range(8)]
    for round_ in range(3):
        moves = [
            lambda i=i, n=n: initiative_rerank(
                initiative=i, actor=people["em"], direction="up" if n % 2 else "down"
            )
            for n, i in enumerate(initiatives)
        ] + [
            lambda: initiative_rerank(initiative=initiatives[-1], actor=people["pm"], rank=1),
            lambda: initiative_rerank(initiative=initiatives[0], actor=people["em"], rank=8),
        ]
        results = run_concurrently(moves)
        assert all(isinstance(r, Initiative) for r in results), results
        ranks = sorted(Initiative.objects.filter(team=team).values_list("rank", flat=True))
        assert ranks == list(range(1, 9)), (round_, ranks)
