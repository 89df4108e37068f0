"""Settings of the processes the fault tests start: production settings, plus webhooks allowed
to reach the loopback receiver the test runs."""

from tracker.settings import *  # noqa: F403

WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
