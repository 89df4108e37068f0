"""How the web UI turns the domain's errors into responses, in one place.

``attempt`` calls a service and maps what it raises: ValidationFailed onto the form's fields
(so the page is redisplayed with what was typed), NotAllowed to 403, NotFound to 404,
GateBlocked handed back so the page can list the missing items, anything else to a message.
Every web view that calls a service goes through it; none catches the domain's errors itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from initiatives.rules.exceptions import (
    ApplicationError,
    GateBlocked,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from initiatives.web.inplace import say

T = TypeVar("T")


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a ``login_required`` view: its user is signed in (django-stubs'
    recommended way to say so to the type checker)."""

    user: User


@dataclass(frozen=True)
class Done(Generic[T]):
    """The service ran; ``value`` is what it returned."""

    value: T
    ok: Literal[True] = True
    status: int = 200
    gate_blocked: None = None


@dataclass(frozen=True)
class Refused:
    """The service refused with ``error`` (already reported on the form or as a message)."""

    error: ApplicationError
    ok: Literal[False] = False

    @property
    def status(self) -> int:
        return self.error.http_status

    @property
    def gate_blocked(self) -> GateBlocked | None:
        return self.error if isinstance(self.error, GateBlocked) else None


def _describe(error: ValidationFailed) -> str:
    details = [f"{msg}" for msgs in error.fields.values() for msg in msgs]
    return " ".join(details) or error.message


def attempt(
    request: HttpRequest,
    service: Callable[..., T],
    /,
    *,
    form: forms.Form | None = None,
    anchor: str = "",
    **kwargs: Any,
) -> Done[T] | Refused:
    """Call ``service(**kwargs)``; see the module docstring for what happens to its errors.
    Without a form, refusals become an error message for the next page (placed next to
    ``anchor`` of the initiative page when given: ``web/inplace.py``). ``if outcome.ok:``
    tells a Done from a Refused (for the type checker too)."""

    def report(text: str) -> None:
        if anchor:
            say(request, messages.ERROR, text, anchor)
        else:
            messages.error(request, text)

    try:
        return Done(value=service(**kwargs))
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except NotFound as error:
        raise Http404(error.message) from error
    except ValidationFailed as error:
        if form is None:
            report(_describe(error))
        else:
            for name, field_messages in error.fields.items():
                form.add_error(name if name in form.fields else None, list(field_messages))
            if not error.fields:
                form.add_error(None, error.message)
        return Refused(error=error)
    except GateBlocked as error:
        if not anchor:  # placed, the page lists the missing items next to the move instead
            messages.error(request, error.message)
        return Refused(error=error)
    except ApplicationError as error:
        # Conflict, InvalidTransition, StaleWrite: the input was fine but the moment was not.
        if form is None:
            report(error.message)
        else:
            form.add_error(None, error.message)
        return Refused(error=error)


def require_offered(allowed: bool) -> None:
    """403 for a form page the permissions module would not offer to this user. The service
    still enforces the rule when the form is posted; this only avoids showing a form that
    can only fail."""
    if not allowed:
        raise PermissionDenied("You may not do this.")
