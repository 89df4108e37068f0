"""The API's token clients and schema checks (``tests/api/conftest.py``) for these tests."""

from tests.api.conftest import (  # noqa: F401
    _answers_match_the_schema,
    _api_isolation,
    clients,
    token_client,
)
