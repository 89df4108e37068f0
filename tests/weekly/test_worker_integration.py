"""A real Celery worker process, consuming from Redis, sends the digest through SMTP to a
local aiosmtpd server; the test parses what arrived. PostgreSQL only: the worker is another
process and must see the test's committed rows in the test database."""

import datetime as dt
import email
import email.policy
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from initiatives.models import DeliveryStatus, DigestSubscription, EmailDelivery, Health, Role
from initiatives.weekly import tasks
from initiatives.weekly.digest import read_unsubscribe_token
from initiatives.weekly.schedule import local_week
from tests.factories import TeamFactory, member
from tests.weekly.conftest import delivering, post, travel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

SITE = "https://shipshape.test"
BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url() -> str:
    # One Redis database per xdist worker, away from db 0 that CI's other tests may use.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{11 + int(worker.removeprefix('gw') or 0) % 4}"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 Message accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, received
    controller.stop()


@pytest.fixture
def worker(smtp_server, tmp_path):
    controller, _ = smtp_server
    db = connection.settings_dict
    broker = redis_url()
    with Connection(broker) as conn:
        conn.default_channel.client.flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": broker,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.port),
        "SITE_URL": SITE,
        "SECRET_KEY": settings.SECRET_KEY,
        "SHIPSHAPE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }
    env.pop("EMAIL_BACKEND", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool=solo",
         "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        yield broker, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with Connection(broker) as conn:
            conn.default_channel.client.flushdb()
        # The server may keep the dead worker's session a moment; the test database can only
        # be dropped at the end of the run once it is gone.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_worker_sends_the_digest_through_smtp_exactly_once(smtp_server, worker, settings):
    settings.SITE_URL = SITE
    _, received = smtp_server
    broker, process = worker
    # The team and its week lie a week back: a digest is only ever sent for a week that ended.
    now = timezone.now() - dt.timedelta(weeks=1)
    with travel(now):
        team = TeamFactory(key="PLAT", name="Platform")
        em = member(team, Role.EM, "em")
        member(team, Role.PM, "pm")
        dri = member(team, Role.ENGINEER, "dri")
        DigestSubscription.objects.create(team=team, email="director@example.org", label="Director")
        week = local_week(team, now)
        healths = [Health.ON_TRACK] * 5 + [Health.AT_RISK] * 2 + [Health.OFF_TRACK]
        rows = [delivering(team, dri, em, f"Initiative {i}") for i in range(len(healths))]
        for row, health in zip(rows, healths, strict=True):
            post(row, dri, week, health, now)

    with Connection(broker) as conn:
        tasks.send_digest.apply_async(args=[team.pk, week], connection=conn)
        tasks.send_digest.apply_async(args=[team.pk, week], connection=conn)  # duplicate
    arrived = wait_for(lambda: len(received) >= 3 or process.poll() is not None)
    if not arrived or process.poll() is not None:
        process.terminate()
        pytest.fail("No digest arrived; worker output:\n" + process.communicate(timeout=20)[0])
    # The duplicate task and any retry must not produce a second copy.
    time.sleep(2)
    assert len(received) == 3
    assert wait_for(
        lambda: set(EmailDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    )
    assert sorted(rcpt for env in received for rcpt in env.rcpt_tos) == [
        "director@example.org",
        "em@example.com",
        "pm@example.com",
    ]

    message = email.message_from_bytes(received[0].content, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == (
        f"[PLAT] Weekly digest {week}: 5 on track, 2 at risk, 1 off track"
    )
    assert message["To"] in {"director@example.org", "em@example.com", "pm@example.com"}
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"{SITE}/i/PLAT-1/" in text
    assert f'href="{SITE}/i/PLAT-8/"' in html
    assert f"{SITE}/teams/PLAT/digest/?week={week}" in html
    unsubscribe = str(message["List-Unsubscribe"]).strip()  # folded: long line
    assert unsubscribe.startswith(f"<{SITE}/digest/unsubscribe/") and unsubscribe.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.rstrip("/>").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token)["t"] == team.pk
