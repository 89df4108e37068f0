"""Webhook delivery against hostile receivers and addresses (issue 14, finding 8): an overall
deadline per attempt, address ranges that translate to internal IPv4 refused explicitly, and
internal URLs refused when the endpoint is registered (400), not only at delivery."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest

from initiatives.rules.exceptions import ValidationFailed
from initiatives.webhooks import delivery as sending
from initiatives.webhooks import services as webhooks
from initiatives.webhooks.models import WebhookDelivery, WebhookEndpoint

# --- Addresses ------------------------------------------------------------------------------

TRANSLATED_INTERNAL = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254 (cloud metadata)
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.1.2.3",
    "::ffff:169.254.169.254",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]


@pytest.mark.parametrize("address", TRANSLATED_INTERNAL)
def test_translating_ranges_are_never_public(address, settings):
    del settings.WEBHOOK_ALLOWED_NETWORKS  # production: public addresses only
    assert not sending.address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address, settings):
    del settings.WEBHOOK_ALLOWED_NETWORKS
    assert sending.address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.0.0.5:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:a00:1::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
        "http://localhost:8000/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://printer.local/",
        "http://intranet/",
        "gopher://example.com/",
    ],
)
def test_internal_urls_are_refused_at_registration(url, settings, clients, team):
    del settings.WEBHOOK_ALLOWED_NETWORKS
    response = clients["em"].post(
        "/api/v1/teams/PLAT/webhooks/", {"url": url, "events": ["milestone.slipped"]}
    )
    assert response.status_code == 400, response.content
    # The schema's URL pattern refuses what it can say (IPv6 literals, a name without a dot,
    # other schemes: ``invalid``); the rule refuses internal hosts it cannot say.
    assert response.json()["code"] in ("invalid", "url_not_public")
    assert "url" in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_changing_the_url_to_an_internal_one_is_refused(settings, team, people):
    del settings.WEBHOOK_ALLOWED_NETWORKS
    endpoint = webhooks.webhook_endpoint_create(
        team=team,
        actor=people["em"],
        url="https://hooks.example.com/x",
        events=["milestone.slipped"],
    )
    with pytest.raises(ValidationFailed):
        webhooks.webhook_endpoint_update(
            endpoint=endpoint, actor=people["em"], changes={"url": "http://10.0.0.1/"}
        )
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/x"


# --- The deadline ---------------------------------------------------------------------------


class Trickler:
    """A receiver on 127.0.0.1 that answers one byte every 0.2 s, forever."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not self.stop.is_set():
                try:
                    conn.sendall(b"X")
                except OSError:
                    return
                time.sleep(0.2)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_trickling_receiver_is_cut_off_at_the_deadline(monkeypatch, team, people):
    monkeypatch.setattr(sending, "DEADLINE_SECONDS", 1.0)
    trickler = Trickler()
    try:
        endpoint = webhooks.webhook_endpoint_create(
            team=team, actor=people["em"], url=trickler.url, events=["milestone.slipped"]
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event_type="milestone.slipped", payload={}
        )
        started = time.monotonic()
        sending.delivery_attempt(delivery.pk)
        took = time.monotonic() - started
    finally:
        trickler.close()
    delivery.refresh_from_db()
    # Each byte came well within the 10 s socket timeout; the deadline ended it anyway.
    assert took < 5
    assert "DeadlineExceeded" in delivery.last_error
    assert delivery.status == "pending" and delivery.attempts == 1  # retried later
