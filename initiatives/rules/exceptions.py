"""The domain's errors. Each carries a stable ``code``, a readable message and structured data;
the API maps them to HTTP statuses once (``initiatives.api.errors``), the web UI to messages and
form errors once (``initiatives.web.views.base``)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    code = "error"
    http_status = 400

    def __init__(
        self, message: str, *, code: str | None = None, data: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.data = data or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.message, **self.data}


class ValidationFailed(ApplicationError):
    """Bad input; ``fields`` maps a field name to a list of messages."""

    code = "invalid"
    http_status = 400

    def __init__(
        self,
        message: str = "Invalid input.",
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ):
        super().__init__(message, code=code, data={"fields": fields or {}})
        self.fields = fields or {}


class NotAllowed(ApplicationError):
    """The actor may see the object but not do this to it."""

    code = "forbidden"
    http_status = 403


class NotFound(ApplicationError):
    """The object does not exist or the actor is not a member of its team (names do not leak)."""

    code = "not_found"
    http_status = 404


class InvalidTransition(ApplicationError):
    """A move the life cycle does not have, or one made impossible by the object's state."""

    code = "invalid_transition"
    http_status = 400


class GateBlocked(ApplicationError):
    """A gated transition whose checklist is not met; ``missing`` lists the items. At the
    start of delivery the team's policies are part of the gate (``gate="in_delivery"``):
    ``policies`` lists those refusing it (``rules.policies.Breach.as_dict``)."""

    code = "gate_blocked"
    http_status = 409

    def __init__(
        self,
        message: str,
        *,
        gate: str,
        missing: list[dict[str, Any]],
        policies: list[dict[str, Any]] | None = None,
    ):
        super().__init__(
            message, data={"gate": gate, "missing": missing, "policies": policies or []}
        )
        self.gate = gate
        self.missing = missing
        self.policies = policies or []


class Conflict(ApplicationError):
    """Valid input that conflicts with the current state (e.g. completing a milestone with open
    tasks)."""

    code = "conflict"
    http_status = 409


class StaleWrite(ApplicationError):
    """The caller edited a version that has changed since it read it."""

    code = "stale_write"
    http_status = 412
