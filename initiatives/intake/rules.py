"""Intake's rules, pure (no queries): the request life cycle as data, who may do what, and
reading alert payloads (Alertmanager's webhook JSON and the generic shape).

    new ──┬─ accept ─────> accepted        (into a new initiative, an existing one, or a task)
          ├─ route ──────> routed          (a new request in the other team's queue)
          ├─ decline ────> declined        (reason required)
          ├─ duplicate ──> duplicate       (the original required)
          ├─ snooze ─────> triaged         (until a date; back in the queue then)
          ├─ needs_info ─> (same state)    (a question back to the requester)
          └─ resolved ───> resolved        (an alert resolved at its source, still untriaged)
    triaged ─ the same actions as new, but ``resolved``
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from initiatives.intake.models import Category, Impact, IntakeRequest, RequestState
from initiatives.rules.permissions import Actor

# --- The life cycle --------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    to: str | None  # the state it leads to; None keeps the state (needs_info)
    needs: str = ""  # the input it cannot do without (a reason, the original, a date...)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", "Accept", RequestState.ACCEPTED, needs="into"),
        Action("route", "Route to another team", RequestState.ROUTED, needs="team"),
        Action("decline", "Decline", RequestState.DECLINED, needs="reason"),
        Action("duplicate", "Duplicate", RequestState.DUPLICATE, needs="original"),
        Action("snooze", "Snooze", RequestState.TRIAGED, needs="until"),
        Action("needs_info", "Needs info", None, needs="question"),
    )
}
ACTION_NAMES = tuple(ACTIONS)
# Where an accepted request goes.
ACCEPT_INTO = ("new_initiative", "initiative", "task")
# What became of an alert notification (``alerts.alerts_receive``).
ALERT_OUTCOMES = ("created", "folded", "resolved", "ignored")
# Which triage actions each state allows; a closed request allows none.
ALLOWED: dict[str, frozenset[str]] = {
    RequestState.NEW: frozenset(ACTIONS),
    RequestState.TRIAGED: frozenset(ACTIONS),
}
# What the requester may change while the request is open, and what the team may.
REQUESTER_FIELDS = frozenset({"title", "description", "links", "impact"})
TEAM_FIELDS = frozenset({"title", "description", "links", "impact", "category", "assignee"})
# Categories whose new requests go to the person on call.
ON_CALL_CATEGORIES = frozenset({Category.CAT1, Category.CAT2})
MAX_LINKS = 10
MAX_SNOOZE = dt.timedelta(days=90)
# A bulk triage acts on at most this many requests at once.
MAX_BULK = 100


def action_refusal(state: str, action: str) -> str | None:
    """Why ``action`` cannot be taken on a request in ``state``; None if it can."""
    if action not in ACTIONS:
        return f"Unknown action. Choose one of: {', '.join(ACTIONS)}."
    if action not in ALLOWED.get(state, frozenset()):
        return f"This request is already {RequestState(state).label.lower()}."
    return None


def is_untriaged(request: IntakeRequest) -> bool:
    return request.state == RequestState.NEW


def is_overdue(
    *, state: str, created_at: dt.datetime, needs_info: bool, latest_slot: dt.datetime
) -> bool:
    """Untriaged past the team's triage slot: new (and not waiting for its requester) since
    before the latest slot that has passed."""
    return state == RequestState.NEW and not needs_info and created_at < latest_slot


# --- Who may do what -------------------------------------------------------------------------


def can_see_team_queue(actor: Actor) -> bool:
    return actor.is_member


def can_triage(actor: Actor) -> bool:
    """Any contributor of the team triages (viewers read)."""
    return actor.is_contributor


def can_manage_intake(actor: Actor) -> bool:
    """The rotation, the triage slot and intake tokens: the team's EM or PM."""
    return actor.is_contributor and actor.is_manager


def can_ask(actor: Actor, *, open_to_all: bool) -> bool:
    """Whether this signed-in user may file a request to the team (and see its rota)."""
    return open_to_all or actor.is_member


def edit_refusal(
    actor: Actor, request: IntakeRequest, fields: set[str], *, is_requester: bool
) -> str | None:
    if not request.is_open:
        return "A closed request cannot be changed."
    if actor.is_contributor and fields <= TEAM_FIELDS:
        return None
    if is_requester and fields <= REQUESTER_FIELDS:
        return None
    if is_requester:
        return "The requester can change the title, description, links and impact."
    return "Only the team's contributors can change this request."


# --- Alerts ----------------------------------------------------------------------------------

SEVERITY_IMPACT = {
    "critical": Impact.CRITICAL,
    "page": Impact.CRITICAL,
    "high": Impact.HIGH,
    "error": Impact.HIGH,
    "major": Impact.HIGH,
    "warning": Impact.MEDIUM,
    "medium": Impact.MEDIUM,
    "minor": Impact.LOW,
    "low": Impact.LOW,
    "info": Impact.LOW,
    "none": Impact.LOW,
}


@dataclass(frozen=True)
class Alert:
    """One alert notification, whatever shape it came in."""

    fingerprint: str
    title: str
    impact: str
    firing: bool
    source: str
    url: str
    description: str


def impact_of(severity: Any) -> str:
    return SEVERITY_IMPACT.get(str(severity or "").strip().lower(), Impact.MEDIUM)


def _text(value: Any, limit: int) -> str:
    return str(value if value is not None else "").replace("\x00", "")[:limit].strip()


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def alerts_from_alertmanager(body: dict[str, Any]) -> list[Alert]:
    """Alertmanager's webhook (``version`` 4): one ``Alert`` per entry of ``alerts``."""
    out = []
    for entry in body.get("alerts") or []:
        if not isinstance(entry, dict):
            continue
        labels: dict[str, Any] = _mapping(entry.get("labels"))
        notes: dict[str, Any] = _mapping(entry.get("annotations"))
        name = _text(labels.get("alertname"), 150) or "Alert"
        summary = _text(notes.get("summary"), 180)
        fingerprint = _text(entry.get("fingerprint"), 200) or _text(
            "|".join(f"{k}={labels[k]}" for k in sorted(labels)), 200
        )
        out.append(
            Alert(
                fingerprint=fingerprint,
                title=f"{name}: {summary}"[:200] if summary else name,
                impact=impact_of(labels.get("severity")),
                firing=str(entry.get("status") or body.get("status")) != "resolved",
                source="alertmanager",
                url=_text(entry.get("generatorURL"), 500),
                description=_text(notes.get("description") or notes.get("message"), 5000),
            )
        )
    return out


def alert_from_generic(body: dict[str, Any]) -> Alert:
    """``{title, severity, source, fingerprint, url, status?, description?}``."""
    return Alert(
        fingerprint=_text(body.get("fingerprint"), 200),
        title=_text(body.get("title"), 200),
        impact=impact_of(body.get("severity")),
        firing=str(body.get("status") or "firing").lower() != "resolved",
        source=_text(body.get("source"), 100) or "alert",
        url=_text(body.get("url"), 500),
        description=_text(body.get("description"), 5000),
    )


def is_alertmanager(body: dict[str, Any]) -> bool:
    return isinstance(body.get("alerts"), list)
