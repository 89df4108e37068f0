"""Shared fixtures of the collaboration and notification tests."""

from __future__ import annotations

import pytest

from initiatives.models import ChecklistItem, ChecklistKind, SignoffRole


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """``with after_commit():`` runs what the writes inside hand over after commit (the
    outbox: notifications, webhooks) before the block ends."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def security_item(initiative) -> ChecklistItem:
    """The DoD's security approval: an open sign-off item for a security member."""
    return ChecklistItem.objects.get(
        initiative=initiative, kind=ChecklistKind.DONE, signoff_role=SignoffRole.SECURITY
    )


# The API's token clients, and its check of every answer against the published schema.
from tests.api.conftest import (  # noqa: E402, F401
    _answers_match_the_schema,
    _api_isolation,
    clients,
    token_client,
)
