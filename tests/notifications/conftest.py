"""The notification tests share the collaboration tests' fixtures."""

from tests.collab.conftest import after_commit, security_item  # noqa: F401
