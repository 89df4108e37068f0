import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
application = get_wsgi_application()

# Every API request is checked against the OpenAPI schema (initiatives/api/validation.py):
# build the schema and its validators (about a second of CPU) while the worker starts, not in
# its first request.
from initiatives.api.validation import operations  # noqa: E402

operations()
