"""The webhook tests use the API's token clients and its isolation: deliveries may only ever
reach loopback receivers."""

from tests.api.conftest import _api_isolation, clients, token_client  # noqa: F401
