"""The race of issue 13 on PostgreSQL: two writers of one team, the one that started first
(and took the lower event id) commits last. Keyed by the newest event id, the board cached
between the two commits stayed stale for ``READ_CACHE_SECONDS``; keyed by the team's data
version, the second writer waits for the first to commit and the board is fresh after both."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from initiatives import services
from initiatives.models import ActivityEvent, Team
from tests.factories import make_initiative

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_board_is_fresh_after_an_older_writer_commits_last(team, people):
    dri = people["dri"]
    slow_one = make_initiative(team, dri, title="Alpha")
    fast_one = make_initiative(team, dri, title="Bravo")
    web = Client()
    web.force_login(dri)

    def board() -> str:
        response = web.get(f"/teams/{team.key}/")
        assert response.status_code == 200
        return response.content.decode()

    board()  # cached
    slow_wrote, release_slow, fast_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            with transaction.atomic():
                services.initiative_update(
                    initiative=slow_one, actor=dri, changes={"title": "Alpha renamed"}
                )
                slow_wrote.set()
                release_slow.wait(15)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def fast() -> None:
        try:
            services.initiative_update(
                initiative=fast_one, actor=dri, changes={"title": "Bravo renamed"}
            )
            fast_done.set()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    slow_thread = threading.Thread(target=slow)
    slow_thread.start()
    assert slow_wrote.wait(15)
    fast_thread = threading.Thread(target=fast)
    fast_thread.start()
    # The faster writer would commit now and the board be cached under its (higher) event id;
    # instead it waits at the team's data version until the slower one commits.
    assert not fast_done.wait(1.5), "the second writer of the team did not wait"
    between = board()
    assert "Alpha renamed" not in between and "Bravo renamed" not in between
    release_slow.set()
    slow_thread.join(15)
    fast_thread.join(15)
    assert not errors, errors
    after = board()
    assert "Alpha renamed" in after and "Bravo renamed" in after
    slow_event, fast_event = (
        ActivityEvent.objects.filter(initiative=i, verb="initiative.updated").get()
        for i in (slow_one, fast_one)
    )
    assert slow_event.pk < fast_event.pk  # the older writer: the lower id, committed first
    assert Team.objects.get(pk=team.pk).data_version >= 4
