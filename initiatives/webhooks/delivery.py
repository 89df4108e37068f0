"""Sending webhook deliveries: sign the JSON body with the endpoint's secret (HMAC-SHA256),
POST it to an allowed address only, and record the outcome on the delivery row, retrying with
exponential backoff. The row is the source of truth: an attempt acts only on a pending row, so
a duplicated task message cannot send twice what has already been delivered."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from initiatives.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# The Celery task that makes one attempt (``webhooks.tasks``), by name: services and the
# outbox queue it without importing the task module. The name predates the package and is
# kept so that messages already queued or waiting in the outbox still resolve.
DELIVER_TASK = "initiatives.api.tasks.deliver_webhook"
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# Each socket operation may wait this long, and the whole attempt (resolve, connect, TLS,
# send, read the answer) at most DEADLINE_SECONDS: a receiver trickling its answer a byte at
# a time cannot hold a worker for longer.
TIMEOUT_SECONDS = 10
DEADLINE_SECONDS = 15
SIGNATURE_HEADER = "X-Shipshape-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_delay(attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: 30 s, 1 min, 2 min, ... at most 6 h."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


class DeliveryRefused(Exception):
    pass


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``host`` made to an address checked beforehand: the name is
    resolved once, so a DNS answer that changes between the check and the connection (DNS
    rebinding) cannot send the request elsewhere."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """``PinnedHTTPConnection`` over TLS; the certificate is checked against ``host``."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.pinned_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def pinned_connection(
    scheme: str, host: str, port: int, address: str
) -> http.client.HTTPConnection:
    connection_class = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    return connection_class(host, port, address=address, timeout=TIMEOUT_SECONDS)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges that carry an IPv4 address, or translate to one, which ``is_global`` calls public
# on some Python versions: through them a "public" address reaches 127.0.0.1 or 10.0.0.0/8.
# Refused whatever they embed (a webhook receiver has a plain address).
TRANSLATING_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "64:ff9b::/96",  # NAT64 (RFC 6052)
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "2002::/16",  # 6to4 (RFC 3056)
        "2001::/32",  # Teredo (RFC 4380)
        "::/96",  # IPv4-compatible (deprecated, RFC 4291)
    )
)


def is_public(ip: IPAddress) -> bool:
    """A global unicast address that is not a translation of another one. An IPv4-mapped
    address (``::ffff:10.0.0.1``) is judged by the IPv4 address it maps."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(ip.ipv4_mapped)
        if any(ip in network for network in TRANSLATING_NETWORKS):
            return False
    return ip.is_global and not ip.is_multicast


def address_allowed(ip: IPAddress) -> bool:
    """``settings.WEBHOOK_ALLOWED_NETWORKS`` when set (the tests: loopback only); otherwise
    public addresses only, so that a webhook cannot reach the internal network."""
    networks = getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", None)
    if networks is not None:
        return any(ip in ipaddress.ip_network(n) for n in networks)
    return is_public(ip)


# Names that never lead to a public address, refused without asking DNS.
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def url_refusal(url: str) -> str | None:
    """Why an endpoint URL can never be delivered to, or None. Checked when the endpoint is
    registered, without DNS (the request must not wait on it): the scheme, a literal address,
    and names that are internal by definition (``localhost``, ``*.internal``, a name without
    a dot). A name is resolved and checked again at every delivery."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Use an http:// or https:// URL."
    host = parts.hostname.rstrip(".").lower()
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        literal = None
    if literal is not None:
        if not address_allowed(literal):
            return "Webhooks are delivered to public addresses only."
        return None
    networks = getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", None)
    if networks is None and (
        "." not in host or host == "localhost" or host.endswith(INTERNAL_SUFFIXES)
    ):
        return "Webhooks are delivered to public addresses only."
    return None


def post_json(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
    """POST ``body`` to ``url`` and return (status, start of the response). The host is
    resolved once, checked, and connected to by that address (no DNS rebinding), and
    redirects are not followed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryRefused("Only http(s) URLs are delivered to.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise DeliveryRefused(f"Cannot resolve {parts.hostname}: {error}") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise DeliveryRefused(f"{parts.hostname} resolves to an address that is not allowed.")
    connection = pinned_connection(parts.scheme, parts.hostname, port, str(addresses[0]))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # Socket timeouts bound each read, not their sum: at the deadline a watchdog shuts the
    # socket, which ends whatever read or write is waiting on it.
    watchdog = Deadline(connection, DEADLINE_SECONDS)
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        text = response.read(2048).decode("utf-8", "replace")
        watchdog.check()
        return response.status, text
    except (OSError, http.client.HTTPException):
        watchdog.check()
        raise
    finally:
        watchdog.cancel()
        connection.close()


class DeadlineExceeded(TimeoutError):
    pass


class Deadline:
    """Shuts ``connection``'s socket ``seconds`` from now unless cancelled first."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection, self.seconds = connection, seconds
        self.expired = threading.Event()
        self.timer = threading.Timer(seconds, self._cut)
        self.timer.daemon = True
        self.timer.start()

    def _cut(self) -> None:
        self.expired.set()
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def check(self) -> None:
        """Raise ``DeadlineExceeded`` if the deadline cut the exchange short."""
        if self.expired.is_set():
            raise DeadlineExceeded(f"No complete answer within {self.seconds:g} s.")

    def cancel(self) -> None:
        self.timer.cancel()


def delivery_attempt(delivery_id: int, *, now: dt.datetime | None = None) -> int | None:
    """Make one attempt at a pending delivery. Returns the seconds to wait before the next
    attempt, or None when there is nothing more to do (sent, given up, or not pending)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None
        endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
        delivery.attempts += 1
        delivery.status = DeliveryStatus.SENDING
        delivery.save(update_fields=["attempts", "status", "updated_at"])
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Shipshape-Webhooks/1",
        "X-Shipshape-Event": delivery.event_type,
        "X-Shipshape-Event-Id": str(delivery.event_id),
        "X-Shipshape-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(endpoint.secret, body),
    }
    status_code, error = None, ""
    if not endpoint.active:
        error = "The endpoint is disabled."
    else:
        try:
            status_code, text = post_json(endpoint.url, body, headers)
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {text[:500]}"
        except (OSError, http.client.HTTPException, DeliveryRefused) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
    now = now or timezone.now()
    delivery.response_status = status_code
    delivery.last_error = error
    delay = None
    if not error:
        delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, now
    elif delivery.attempts >= MAX_ATTEMPTS or not endpoint.active:
        delivery.status = DeliveryStatus.FAILED
    else:
        delay = backoff_delay(delivery.attempts)
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
    delivery.save(
        update_fields=[
            "status",
            "response_status",
            "last_error",
            "delivered_at",
            "next_attempt_at",
            "updated_at",
        ]
    )
    if error:
        logger.info(
            "Webhook delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error
        )
    return delay


def due_deliveries(
    now: dt.datetime | None = None, stuck_after: dt.timedelta = dt.timedelta(minutes=15)
) -> list[int]:
    """Deliveries whose queued task was lost (broker restart, worker killed mid-send): pending
    and overdue, or left "sending" for too long. Put back to pending and returned."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, updated_at__lt=now - stuck_after
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lt=now - stuck_after
        ).values_list("pk", flat=True)[:500]
    )
