"""Chat messages through faults, on a real deployment on loopback (the fault suite's machinery:
gunicorn, a Celery worker and beat against a throwaway PostgreSQL and Redis).

- The worker is SIGKILLed while it posts a week's reminder and digest to five channels: once a
  worker is back, every channel has each message exactly once (the one in flight at the kill
  had arrived; its row is left "sending" and never resent).
- The broker is down while a week's reminder and digest are built and weekly updates are
  posted: nothing fails, everything waits in the outbox, and once the broker is back every
  channel gets each message exactly once.

Each channel's incoming webhook is a path of one receiver on 127.0.0.1 that takes a moment to
answer, so that a worker can be killed in the middle of a request.
"""

from __future__ import annotations

import collections
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.reliability.processes import Postgres, Redis, Stack, available, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not (os.environ.get("CI") or available()),
        reason="needs PostgreSQL and Redis binaries (initdb, pg_ctl, redis-server)",
    ),
]

CHANNELS = 5

SETUP = """
import datetime as dt
import json
import time_machine
from django.contrib.auth import get_user_model
from initiatives import services
from initiatives.chat.services import chat_channel_create, chat_identity_set
from initiatives.models import Membership, Role, State, Team
from initiatives.rules.workflow import shift_week
from initiatives.services.updates import current_week
from initiatives.tokens.services import token_create

User = get_user_model()
result = {}
for key in ("KIL", "OUT"):
    team = Team.objects.create(key=key, name=f"Chat {key}")
    em = User.objects.create_user(f"{key}-em", email=f"{key}-em@example.com")
    dri = User.objects.create_user(f"{key}-dri", email=f"{key}-dri@example.com")
    Membership.objects.create(team=team, user=em, role=Role.EM)
    Membership.objects.create(team=team, user=dri, role=Role.ENGINEER)
    chat_identity_set(user=dri, slack_user_id=f"U{key}1")
    keys = []
    # Imported with three weeks of history: the weeks the tests send have ended and the team
    # lived through them, and the channels were connected before their slots.
    with time_machine.travel(team.created_at - dt.timedelta(weeks=3), tick=False):
        for n in range(3):
            i = services.initiative_create(team=team, actor=dri, dri=dri, title=f"{key} {n}")
            services.initiative_transition(initiative=i, to=State.SCOPING, actor=dri)
            keys.append(i.key)
        for n in range(CHANNELS):
            chat_channel_create(team=team, actor=em, kind="slack", name=f"{key}-{n}",
                                webhook_url=f"RECEIVER/{key}-{n}", messages=["reminder", "digest"])
        chat_channel_create(team=team, actor=em, kind="mattermost", name=f"{key}-events",
                            webhook_url=f"RECEIVER/{key}-events",
                            messages=["status_update.posted"])
    week = current_week(team)
    result[key] = {"team": team.pk, "keys": keys, "week": week,
                   "last": shift_week(week, -1), "before": shift_week(week, -2),
                   "token": token_create(user=dri, name="faults")[1]}
print(json.dumps(result))
"""


class SlowReceiver(BaseHTTPRequestHandler):
    """Records each message as it arrives (channel, what it is), then takes a moment."""

    received: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        blocks = body.get("blocks") or []
        what = blocks[0]["text"]["text"] if blocks and blocks[0]["type"] == "header" else "event"
        if what == "event":
            what = "event: " + body.get("text", "")[:200]
        with SlowReceiver.lock:
            SlowReceiver.received[(self.path.strip("/"), what)] += 1
        time.sleep(0.6)
        try:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")
        except BrokenPipeError:  # the worker was killed while it waited for this answer
            pass

    def log_message(self, *args) -> None:
        pass


def arrived(prefix: str) -> collections.Counter:
    with SlowReceiver.lock:
        return collections.Counter(
            {k: v for k, v in SlowReceiver.received.items() if k[0].startswith(prefix)}
        )


@pytest.fixture(scope="module")
def deployment():
    pg, redis = Postgres(), Redis()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), SlowReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    stack = None
    try:
        pg.start()
        redis.start()
        stack = Stack(pg.create_database("shipshape_chat_faults"), redis.url)
        stack.manage("migrate", "--noinput", "-v0")
        url = f"http://127.0.0.1:{receiver.server_address[1]}"
        data = stack.shell(SETUP.replace("RECEIVER", url).replace("CHANNELS", str(CHANNELS)))
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        yield {"pg": pg, "redis": redis, "stack": stack, **data}
    finally:
        if stack:
            stack.stop_all()
        redis.stop()
        pg.destroy()
        receiver.shutdown()


def statuses(deployment, team_id: int) -> dict[str, int]:
    return dict(
        deployment["pg"].query(
            "shipshape_chat_faults",
            "SELECT status, count(*) FROM shipshape_chat_chatdelivery "
            f"WHERE team_id = {int(team_id)} GROUP BY status",
        )
    )


def test_worker_killed_mid_send_posts_each_message_once(deployment):
    stack, kil = deployment["stack"], deployment["KIL"]
    stack.shell(
        "import json\n"
        "from initiatives.chat.tasks import build\n"
        f"build.delay({kil['team']}, '{kil['week']}', 'reminder')\n"
        f"build.delay({kil['team']}, '{kil['last']}', 'digest')\n"
        "print(json.dumps({}))"
    )
    wait_for(lambda: sum(arrived("KIL-").values()) >= 3, 60, "the messages under way")
    stack.kill("worker")  # SIGKILL, in the middle of a request to a channel
    before = sum(arrived("KIL-").values())
    stack.start_worker()
    expected = {(f"KIL-{n}", kind) for n in range(CHANNELS) for kind in ("reminder", "digest")}

    def kinds() -> set[tuple[str, str]]:
        return {
            (path, "digest" if "digest" in what else "reminder") for path, what in arrived("KIL-")
        }

    try:
        wait_for(lambda: kinds() >= expected, 120, "every channel's reminder and digest")
    except TimeoutError as error:
        detail = f"rows {statuses(deployment, kil['team'])}, received {dict(arrived('KIL-'))}"
        raise AssertionError(f"{error}; {detail}") from None
    time.sleep(8)  # past the broker's visibility timeout: a redelivered task would post again
    got = arrived("KIL-")
    rows = statuses(deployment, kil["team"])
    print(f"chat worker SIGKILL: {before} posted before the kill, {dict(got)}, rows {rows}")
    assert len(got) == 2 * CHANNELS and set(got.values()) == {1}, got  # each once, nothing twice
    assert not rows.get("pending") and rows.get("sending", 0) <= 1, rows


def test_broker_outage_delays_chat_messages_and_duplicates_none(deployment):
    stack, redis, out = deployment["stack"], deployment["redis"], deployment["OUT"]
    redis.stop()
    try:
        started = time.monotonic()
        stack.shell(
            "import json\n"
            "from initiatives.chat import jobs\n"
            f"jobs.build({out['team']}, '{out['last']}', 'reminder')\n"
            f"jobs.build({out['team']}, '{out['before']}', 'digest')\n"
            "print(json.dumps({}))"
        )
        assert time.monotonic() - started < 60
        for round_, key in enumerate(out["keys"][:2]):
            status, body = stack.request(
                "POST",
                f"/api/v1/initiatives/{key}/updates/",
                {"health": "at_risk", "risks": f"Outage {round_}"},
                token=out["token"],
            )
            assert status in (200, 201), body  # the write does not depend on the broker
        rows = statuses(deployment, out["team"])
        assert rows == {"pending": 2 * CHANNELS + 2}, rows  # all waiting for the broker
        assert not arrived("OUT-")
    finally:
        redis.start()  # the same port: the worker reconnects, beat's drain hands over
    expected = 2 * CHANNELS + 2
    try:
        wait_for(lambda: len(arrived("OUT-")) >= expected, 120, "chat messages after the outage")
    except TimeoutError as error:
        detail = f"rows {statuses(deployment, out['team'])}, received {dict(arrived('OUT-'))}"
        raise AssertionError(f"{error}; {detail}") from None
    time.sleep(5)  # anything sent twice would arrive by now
    got = arrived("OUT-")
    print(f"chat broker outage: {dict(got)}")
    assert len(got) == expected and set(got.values()) == {1}, got
    assert statuses(deployment, out["team"]) == {"sent": expected}
