"""Chat tests: a local receiver on 127.0.0.1 stands for every channel's incoming webhook, and a
fake Slack Web API on 127.0.0.1 answers ``views.open``. Nothing else is ever contacted."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest
from django.test import TestCase
from slack_sdk.signature import SignatureVerifier

from initiatives.chat import services as chat
from initiatives.chat import tasks

# The API's token clients, and its check of every /api/ answer against the OpenAPI schema.
from tests.api.conftest import (  # noqa: F401
    _answers_match_the_schema,
    _api_isolation,
    clients,
    token_client,
)

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MATTERMOST_TOKEN = "mm-command-token-0123456789"


class Receiver:
    """Incoming webhooks on 127.0.0.1: records what each path (one per channel) gets and answers
    the queued statuses of that path (then 200)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.statuses: dict[str, list[int]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, json.loads(body)))
                queued = receiver.statuses.get(self.path) or []
                status = queued.pop(0) if queued else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"channel_is_archived")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def got(self, name: str) -> list[dict]:
        return [body for path, body in self.received if path == f"/{name}"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeSlack:
    """Slack's Web API on 127.0.0.1: records each call and answers ``{"ok": true}`` (or the
    queued error)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, str]] = []
        self.errors: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw)
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                fake.calls.append((self.path, body, self.headers.get("Authorization", "")))
                answer = {"ok": False, "error": fake.errors.pop(0)} if fake.errors else {"ok": True}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def fake_slack(settings):
    server = FakeSlack()
    settings.SLACK_API_BASE_URL = server.base_url
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _chat_settings(settings):
    """Slack and Mattermost as configured in production, but Slack's API is a dead loopback
    port unless a test starts the fake one."""
    settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
    settings.SLACK_BOT_TOKEN = "xoxb-test-token"
    settings.SLACK_API_BASE_URL = "http://127.0.0.1:9/api/"
    settings.MATTERMOST_COMMAND_TOKENS = ["other-token", MATTERMOST_TOKEN]


@pytest.fixture(autouse=True)
def run_tasks_inline(monkeypatch):
    """``delay`` runs the chat tasks in-process (retries included, their countdowns skipped)."""
    monkeypatch.setattr(tasks.deliver_chat, "delay", lambda pk: tasks.deliver_chat.apply(args=[pk]))
    monkeypatch.setattr(tasks.build, "delay", lambda *a: tasks.build.apply(args=a))
    monkeypatch.setattr(
        tasks.build_cross_team, "delay", lambda *a: tasks.build_cross_team.apply(args=a)
    )


def committed():
    """Run what the code under test registered with ``on_commit`` (the outbox's hand-over)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def make_channel(team, em, receiver, name, messages, kind="slack", **extra):
    with committed():
        return chat.chat_channel_create(
            team=team,
            actor=em,
            kind=kind,
            name=name,
            webhook_url=receiver.url(name),
            messages=messages,
            **extra,
        )


def slack_headers(body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET):
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp, "HTTP_X_SLACK_SIGNATURE": signature}


def slack_post(client, path: str, fields: dict, **signing):
    body = urlencode(fields)
    return client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        **slack_headers(body, **signing),
    )
