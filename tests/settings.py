"""Settings of the test suite: ``tracker.settings`` with the development defaults asked for
explicitly. DEBUG defaults to off (and then SECRET_KEY is required); the suite loads the
settings with ``DEBUG=1`` unless told otherwise, as ``make run`` does. pytest-django still runs
every test with ``settings.DEBUG`` False, and the production-settings tests start their own
processes with ``DEBUG=0`` (tests/security/test_deploy_settings.py)."""

import os

os.environ.setdefault("DEBUG", "1")

from tracker.settings import *  # noqa: F403
