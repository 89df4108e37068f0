"""The ``shipshape_api`` app's tables live with their subjects: personal access tokens in
``initiatives.tokens.models``, webhook endpoints and deliveries in ``initiatives.webhooks.models``.
They are imported here, the app's models module, so that Django registers them under the
app's label (tables and migrations unchanged)."""

from initiatives.tokens.models import PersonalAccessToken, PersonalAccessTokenQuerySet
from initiatives.webhooks.models import (
    WEBHOOK_EVENTS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "WEBHOOK_EVENTS",
    "DeliveryStatus",
    "PersonalAccessToken",
    "PersonalAccessTokenQuerySet",
    "WebhookDelivery",
    "WebhookEndpoint",
]
