"""Batched notification email through a real Celery worker that is SIGKILLed mid-send, on the
fault suite's machinery (a throwaway PostgreSQL and Redis, ``tests.reliability.processes``):
each person gets one email for their five notifications, and nobody gets it twice.

Skipped unless ``CI`` is set or the PostgreSQL and Redis binaries are installed."""

from __future__ import annotations

import collections
import os
import time

import pytest

from tests.reliability.processes import Postgres, Redis, Stack, available, wait_for
from tests.reliability.test_faults import SlowSmtp

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not (os.environ.get("CI") or available()),
        reason="needs PostgreSQL and Redis binaries (initdb, pg_ctl, redis-server)",
    ),
]

READERS = 8
MENTIONS = 5

# Five comments, each naming every reader: after commit each one notifies them (the outbox
# hands the event over in this process), so each reader has five notifications waiting.
SETUP = """
import json
from django.contrib.auth import get_user_model
from initiatives.collab.services import comment_create
from initiatives.models import Membership, Role, Team
from initiatives.notifications.models import Notification
from tests.factories import make_initiative

User = get_user_model()
team = Team.objects.create(key="NTF", name="Notifications")
dri = User.objects.create_user("dri", email="dri@example.com")
Membership.objects.create(team=team, user=dri, role=Role.ENGINEER)
readers = []
for n in range(READERS):
    reader = User.objects.create_user(f"reader{n}", email=f"reader{n}@example.com")
    Membership.objects.create(team=team, user=reader, role=Role.ENGINEER)
    readers.append(reader.username)
initiative = make_initiative(team, dri)
for m in range(MENTIONS):
    comment_create(initiative=initiative, actor=dri, body=" ".join(f"@{r}" for r in readers))
print(json.dumps({"waiting": Notification.objects.filter(email_state="pending").count()}))
"""


@pytest.fixture(scope="module")
def deployment():
    pg, redis, smtp = Postgres(), Redis(), SlowSmtp()
    stack = None
    try:
        pg.start()
        redis.start()
        stack = Stack(
            pg.create_database("shipshape_notify_faults"),
            redis.url,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp.port),
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            WEEKLY_EMAIL_RETRY_BASE="1",
        )
        stack.manage("migrate", "--noinput", "-v0")
        code = SETUP.replace("READERS", str(READERS)).replace("MENTIONS", str(MENTIONS))
        data = stack.shell(code)
        stack.start_worker()
        yield {"pg": pg, "stack": stack, "smtp": smtp, **data}
    finally:
        if stack:
            stack.stop_all()
        redis.stop()
        pg.destroy()
        smtp.stop()


def test_worker_killed_mid_send_sends_each_batch_once(deployment):
    stack, smtp, pg = deployment["stack"], deployment["smtp"], deployment["pg"]
    assert deployment["waiting"] == READERS * MENTIONS

    def query(sql: str) -> list[tuple]:
        return pg.query("shipshape_notify_faults", sql)

    stack.shell(
        "import json\n"
        "from initiatives.notifications.tasks import send_batches\n"
        "send_batches.delay()\n"
        "print(json.dumps({}))"
    )
    wait_for(lambda: len(smtp.received) >= 2, 60, "the notification emails under way")
    stack.kill("worker")  # SIGKILL, mid-send
    sent_before = len(smtp.received)
    stack.start_worker()

    def statuses() -> dict[str, int]:
        return dict(
            query(
                "SELECT status, count(*) FROM initiatives_emaildelivery "
                "WHERE job_id IS NULL GROUP BY status"
            )
        )

    def settled() -> bool:
        rows = statuses()
        return (
            not rows.get("pending")
            and rows.get("sending", 0) <= 1
            and sum(rows.values()) == READERS
        )

    try:
        wait_for(settled, 90, "every notification email settled")
    except TimeoutError as error:
        raise AssertionError(f"{error}; deliveries {statuses()}, smtp {smtp.received}") from None
    time.sleep(3)  # a duplicate would arrive by now
    counts = collections.Counter(smtp.received)
    final = statuses()
    print(
        f"notification emails, worker SIGKILL: {sent_before} sent before the kill, "
        f"{len(counts)} of {READERS} readers reached, statuses {final}"
    )
    # One email per reader, listing their five notifications (linked to its delivery row).
    per_delivery = query(
        "SELECT email_delivery_id, count(*) FROM shipshape_notifications_notification "
        "WHERE email_delivery_id IS NOT NULL GROUP BY email_delivery_id"
    )
    assert len(per_delivery) == READERS
    assert {n for _, n in per_delivery} == {MENTIONS}
    assert not query(
        "SELECT 1 FROM shipshape_notifications_notification WHERE email_state = 'pending'"
    )
    # Nobody twice; at most the one in flight at the kill is left undecided (never resent).
    assert counts and max(counts.values()) == 1, counts
    state = f"deliveries {final}, received {dict(counts)}, {sent_before} before the kill"
    assert final.get("sending", 0) <= 1, state
    assert final.get("sent", 0) >= READERS - 1, state
    assert len(counts) >= READERS - 1, state
