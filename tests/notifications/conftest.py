"""The notification tests share the collaboration tests' fixtures (and the API's clients)."""

from tests.collab.conftest import (  # noqa: F401
    _answers_match_the_schema,
    _api_isolation,
    after_commit,
    clients,
    security_item,
    token_client,
)
