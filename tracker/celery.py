"""The Celery app. The broker comes from settings (``CELERY_BROKER_URL``): an on-disk
broker under ``var/`` by default, Redis or RabbitMQ in production."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each subject keeps its tasks in its own ``tasks`` module; InitiativesConfig.ready() imports
# them in every process, and the worker finds them here too.
app.autodiscover_tasks(
    [
        "initiatives.weekly",
        "initiatives.webhooks",
        "initiatives.outbox",
        "initiatives.collab",
        "initiatives.notifications",
    ]
)
