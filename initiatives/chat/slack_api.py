"""The one call Shipshape makes to Slack's Web API: ``views.open``, to show the update form as
a modal in answer to ``/shipshape update KEY``. The base URL is ``SLACK_API_BASE_URL`` (the
tests run a fake Slack on 127.0.0.1); the bot token ``SLACK_BOT_TOKEN`` needs no scope beyond
``commands``."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# Slack gives a trigger id three seconds: the call must be answered well within that.
TIMEOUT_SECONDS = 2


def views_open(trigger_id: str, view: dict[str, Any]) -> str:
    """Open ``view`` for the user who sent the command; "" when done, else why not."""
    if not settings.SLACK_BOT_TOKEN:
        return "The Slack app has no bot token (SLACK_BOT_TOKEN): the form cannot be opened."
    client = WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_BASE_URL,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("Slack views.open refused: %s", error.response.get("error"))
        return f"Slack refused to open the form ({error.response.get('error', 'error')})."
    except OSError as error:
        log.warning("Slack views.open failed: %s", error)
        return "Slack could not be reached to open the form; try again."
    return ""
