"""Feedback where you act (README "In-place updates and the page layout").

Every action on the initiative page answers next to the control that made it, with and without
JavaScript:

- ``say(request, level, text, anchor)`` stores a message *placed* at an anchor of the page
  (``item-41``, ``milestone-7``, ``task-9``, ``moves``); the initiative page prints it inside
  that element (``placed_messages``) and the site-wide message list leaves it out. The view then
  redirects to ``page#anchor`` — a browser without JavaScript lands on the message; htmx follows
  the redirect, takes the changed part of the page out of the answer and swaps it in place.
- A refused form (a gate, an empty reason, a bad evidence link) is not redisplayed at the form's
  own URL (``/move/``, ``/waive/``: a reload would post it again): ``stash_refusal`` keeps what was
  typed and the errors in the session and redirects (303) to the page's own URL, which shows the
  form open with its errors (``take_refusal``). An htmx request gets the page at once, with the
  refusal's status, and swaps the part in place (the address bar never changes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.http import HttpRequest

from initiatives.rules.exceptions import GateBlocked

PLACED = "at:"  # the prefix of a placed message's extra tags
_SESSION_KEY = "shipshape.refused"


def say(request: HttpRequest, level: int, text: str, anchor: str) -> None:
    """A message shown next to the element ``anchor`` of the initiative page."""
    messages.add_message(request, level, text, extra_tags=f"{PLACED}{anchor}")


def anchor_of(message: Message) -> str:
    tags = message.extra_tags or ""
    return tags[len(PLACED) :] if tags.startswith(PLACED) else ""


def placed_messages(request: HttpRequest) -> dict[str, list[Message]]:
    """The messages placed at an anchor, by anchor. Reading them marks the request's messages
    read; the site-wide list (base.html) prints the others and skips these."""
    placed: dict[str, list[Message]] = defaultdict(list)
    for message in messages.get_messages(request):
        anchor = anchor_of(message)
        if anchor:
            placed[anchor].append(message)
    return dict(placed)


@dataclass(frozen=True)
class Refusal:
    """A refused form of the initiative page, carried across the redirect to the page."""

    name: str  # "transition", "tick", "waive"
    target: Any  # the item id or the transition's target state
    data: dict[str, list[str]]
    errors: dict[str, list[str]]
    blocked: dict[str, Any] | None


def stash_refusal(
    request: HttpRequest,
    key: str,
    *,
    name: str,
    target: Any,
    form: forms.Form,
    blocked: GateBlocked | None,
) -> None:
    data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
    request.session[_SESSION_KEY] = {
        "key": key,
        "name": name,
        "target": target,
        "data": data,
        "errors": errors,
        "blocked": (
            {"message": blocked.message, "gate": blocked.gate, "missing": blocked.missing}
            if blocked is not None
            else None
        ),
    }


def take_refusal(request: HttpRequest, key: str) -> Refusal | None:
    """The refusal stashed for this initiative's page, once (a reload shows the clean page)."""
    if not hasattr(request, "session") or _SESSION_KEY not in request.session:
        return None
    stash = request.session.pop(_SESSION_KEY)
    if not isinstance(stash, dict) or stash.get("key") != key:
        return None
    return Refusal(
        name=str(stash.get("name", "")),
        target=stash.get("target"),
        data=dict(stash.get("data") or {}),
        errors=dict(stash.get("errors") or {}),
        blocked=stash.get("blocked"),
    )


def rebuild(form: forms.Form, errors: dict[str, list[str]]) -> forms.Form:
    """``form`` (bound to the stashed data) with the stashed errors, as it was refused."""
    form.is_valid()
    shown = form.errors  # the errors of the refused post, not those of a re-run
    shown.clear()
    for field, texts in errors.items():
        shown[field] = form.error_class(texts)
    return form


def blocked_from(stash: dict[str, Any] | None) -> GateBlocked | None:
    if not stash:
        return None
    return GateBlocked(stash["message"], gate=stash["gate"], missing=list(stash["missing"]))
