"""The REST API, transport only (DRF): authentication, throttling, errors, pagination, schema,
urls, ``v1`` views, ``serializers``. Calls services and selectors; never imports ``web``."""
