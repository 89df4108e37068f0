"""Single sign-on with OpenID Connect (mozilla-django-oidc): the provider's discovery document
and the settings (``config``), the authentication backend that verifies the ID token (signature,
issuer, audience, nonce) and creates users just in time (``backend``), and the team memberships a
group claim maps to (``services``). Imports the domain — never ``api`` or ``web``."""
