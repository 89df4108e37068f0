"""Concurrent writers: 20 API clients on loopback change the same initiatives and tasks with
``If-Match`` for 30 s. No 5xx, and no lost update: each object's stored version is its
starting version plus the number of writes the server accepted, and its stored title is the
title of the accepted write with the highest version.

PostgreSQL only (row locks); the live server runs in this process against the test database.
``CONCURRENT_WRITERS_SECONDS`` shortens the run while developing.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict

import pytest
from django.db import connection

from initiatives import services
from initiatives.api.throttling import TokenRateThrottle
from initiatives.models import Initiative, Task
from initiatives.tokens.services import token_create
from tests.factories import make_initiative

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 20
SECONDS = float(os.environ.get("CONCURRENT_WRITERS_SECONDS", "30"))


def request(method: str, url: str, token: str, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_twenty_writers_lose_nothing(live_server, team, people, monkeypatch):
    # One budget per token would turn this into a throttling test; lift it.
    monkeypatch.setattr(TokenRateThrottle, "get_rate", lambda self: "1000000/min")
    dri = people["dri"]
    initiatives = [make_initiative(team, dri, title=f"Shared {n}") for n in range(3)]
    tasks = [
        services.task_create(initiative=initiatives[n % 3], actor=dri, title=f"Task {n}")
        for n in range(3)
    ]
    objects = [("initiative", i.key, f"/api/v1/initiatives/{i.key}/") for i in initiatives] + [
        ("task", t.pk, f"/api/v1/tasks/{t.pk}/") for t in tasks
    ]
    start_versions = {key: _stored(kind, key)[0] for kind, key, _ in objects}
    tokens = [token_create(user=dri if n % 2 else people["em"], name=f"w{n}")[1] for n in range(20)]
    connection.close()

    accepted: dict = defaultdict(list)  # object key -> [(version, title)]
    statuses: dict[int, int] = defaultdict(int)
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def writer(n: int) -> None:
        rng = random.Random(n)
        seq = 0
        while time.monotonic() < deadline:
            _kind, key, path = rng.choice(objects)
            url = live_server.url + path
            status, headers, _ = request("GET", url, tokens[n])
            with lock:
                statuses[status] += 1
            if status != 200:
                with lock:
                    errors.append(f"GET {path}: {status}")
                continue
            seq += 1
            title = f"w{n}-{seq}"
            status, headers, _ = request(
                "PATCH", url, tokens[n], {"title": title}, {"If-Match": headers["ETag"]}
            )
            with lock:
                statuses[status] += 1
                if status == 200:
                    accepted[key].append((int(headers["ETag"].strip('"')), title))
                elif status != 412:  # 412: someone else wrote first; reload and retry
                    errors.append(f"PATCH {path}: {status}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)

    total = sum(len(v) for v in accepted.values())
    print(
        f"concurrent writers: {CLIENTS} clients x {SECONDS:.0f} s, statuses {dict(statuses)}, "
        f"{total} writes accepted, {statuses.get(412, 0)} refused as stale"
    )
    assert not [s for s in statuses if s >= 500], dict(statuses)
    assert not errors, errors[:10]
    assert total > 0
    lost = 0
    for kind, key, _ in objects:
        version, title = _stored(kind, key)
        writes = sorted(accepted[key])
        versions = [v for v, _ in writes]
        # Every accepted write got its own version, one after the other.
        assert versions == list(range(start_versions[key] + 1, version + 1)), key
        if writes and writes[-1][1] != title:
            lost += 1
        assert version == start_versions[key] + len(writes), key
    assert lost == 0


def _stored(kind: str, key) -> tuple[int, str]:
    if kind == "initiative":
        team_key, number = key.rsplit("-", 1)
        row = Initiative.objects.get(team__key=team_key, number=int(number))
    else:
        row = Task.objects.get(pk=key)
    return row.version, row.title
