"""The life cycles as data, and the pure checks over them (no HTTP, no writes).

``services`` is the only caller that changes state; it asks this module whether a move exists,
which gate it needs and whether a reason is required.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from initiatives.models import (
    ACTIVE_STATES,
    ChecklistKind,
    Health,
    Initiative,
    MilestoneState,
    State,
)
from initiatives.rules.checklists import gate_progress
from initiatives.rules.exceptions import InvalidTransition, ValidationFailed


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str
    gate: str | None = None  # a ChecklistKind that must be met
    needs_reason: bool = False
    em_only: bool = False
    # The gate was passed on the way here and is checked again: the initiative does not wait
    # at it (``blocking_gate``), but it may not move on while the gate is no longer met.
    recheck: bool = False


_CORE = [
    Transition(State.DISCOVERY, State.SCOPING, "Start scoping"),
    Transition(State.SCOPING, State.READY, "Mark ready", gate=ChecklistKind.READY),
    Transition(State.READY, State.SCOPING, "Re-scope"),
    Transition(
        State.READY, State.IN_DELIVERY, "Start delivery", gate=ChecklistKind.READY, recheck=True
    ),
    Transition(State.IN_DELIVERY, State.DONE, "Mark done", gate=ChecklistKind.DONE),
    Transition(State.DONE, State.IN_DELIVERY, "Reopen", needs_reason=True, em_only=True),
]
_PAUSABLE = (State.DISCOVERY, State.SCOPING, State.READY, State.IN_DELIVERY)
_PASSED_DOR = {State.READY: ChecklistKind.READY, State.IN_DELIVERY: ChecklistKind.READY}

INITIATIVE_TRANSITIONS: tuple[Transition, ...] = (
    *_CORE,
    *(Transition(s, State.PAUSED, "Pause") for s in _PAUSABLE),
    # Resuming to ready or in delivery re-checks the DoR: a pause is no way around it.
    *(
        Transition(State.PAUSED, s, "Resume", gate=_PASSED_DOR.get(s), recheck=s in _PASSED_DOR)
        for s in _PAUSABLE
    ),
    *(
        Transition(s, State.CANCELLED, "Cancel", needs_reason=True)
        for s in (*_PAUSABLE, State.PAUSED)
    ),
)

_BY_PAIR = {(t.source, t.target): t for t in INITIATIVE_TRANSITIONS}

# The way forward through the life cycle (no pause, cancel, re-scope or reopen).
FORWARD: dict[str, str] = {
    State.DISCOVERY: State.SCOPING,
    State.SCOPING: State.READY,
    State.READY: State.IN_DELIVERY,
    State.IN_DELIVERY: State.DONE,
}


def blocking_gate(state: str) -> str | None:
    """The gate (a ChecklistKind) of ``state``'s move forward, if that move passes a gate
    (not one it re-checks): an initiative in this state whose gate is not met is *waiting at
    the gate*."""
    target = FORWARD.get(state)
    if not target:
        return None
    move = _BY_PAIR[(state, target)]
    return None if move.recheck else move.gate


# The gates an initiative in each state has passed on its way there; one that is no longer
# met (an item reopened afterwards, or passed by override) is flagged "gate no longer met".
PASSED_GATES: dict[str, tuple[str, ...]] = {
    State.READY: (ChecklistKind.READY,),
    State.IN_DELIVERY: (ChecklistKind.READY,),
    State.DONE: (ChecklistKind.READY, ChecklistKind.DONE),
}


def passed_gates(state: str, *, paused_from: str = "") -> tuple[str, ...]:
    """The gates behind an initiative in ``state`` (a paused one: where it was)."""
    return PASSED_GATES.get(paused_from if state == State.PAUSED else state, ())


def gates_checked(move: Transition) -> tuple[str, ...]:
    """The gates a gated move checks: its own, then every other gate its target lies past
    (``done`` re-checks the DoR too), so that nothing arrives past a gate it does not meet
    unless an override says so."""
    if not move.gate:
        return ()
    return (move.gate, *(g for g in PASSED_GATES.get(move.target, ()) if g != move.gate))


def next_gate(state: str, *, paused_from: str = "") -> str | None:
    """The gate an initiative in ``state`` works towards: the first gated move on its way
    forward (a paused initiative: from where it was). None once done or cancelled. Board
    cards, my work, the dashboard and the API all show this one."""
    current = paused_from if state == State.PAUSED else state
    while current in FORWARD:
        gate = blocking_gate(current)
        if gate:
            return gate
        current = FORWARD[current]
    return None


def transitions_from(state: str, *, paused_from: str = "") -> list[Transition]:
    """The moves out of ``state``; a paused initiative only resumes to where it was."""
    moves = [t for t in INITIATIVE_TRANSITIONS if t.source == state]
    if state == State.PAUSED:
        moves = [t for t in moves if t.target in (paused_from, State.CANCELLED)]
    return moves


def find_transition(state: str, to: str, *, paused_from: str = "") -> Transition:
    """The transition from ``state`` to ``to``, or InvalidTransition saying why not."""
    if to not in State.values:
        raise InvalidTransition(f"Unknown state: {to!r}.", data={"to": to})
    for move in transitions_from(state, paused_from=paused_from):
        if move.target == to:
            return move
    if state == State.PAUSED and (state, to) in _BY_PAIR:
        raise InvalidTransition(
            f"A paused initiative resumes to where it was ({State(paused_from).label}).",
            data={"from": state, "to": to},
        )
    raise InvalidTransition(
        f"An initiative cannot move from {State(state).label} to {State(to).label}.",
        data={"from": state, "to": to},
    )


# --- Milestones ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneTransition:
    source: str
    target: str
    label: str


MILESTONE_TRANSITIONS: tuple[MilestoneTransition, ...] = (
    MilestoneTransition(MilestoneState.PLANNED, MilestoneState.IN_PROGRESS, "Start"),
    MilestoneTransition(MilestoneState.PLANNED, MilestoneState.CANCELLED, "Cancel"),
    MilestoneTransition(MilestoneState.IN_PROGRESS, MilestoneState.DONE, "Complete"),
    MilestoneTransition(MilestoneState.IN_PROGRESS, MilestoneState.CANCELLED, "Cancel"),
    MilestoneTransition(MilestoneState.DONE, MilestoneState.IN_PROGRESS, "Reopen"),
    MilestoneTransition(MilestoneState.CANCELLED, MilestoneState.PLANNED, "Restore"),
)


def milestone_transitions_from(state: str) -> list[MilestoneTransition]:
    return [t for t in MILESTONE_TRANSITIONS if t.source == state]


def find_milestone_transition(state: str, to: str) -> MilestoneTransition:
    if to not in MilestoneState.values:
        raise InvalidTransition(f"Unknown milestone state: {to!r}.", data={"to": to})
    for move in milestone_transitions_from(state):
        if move.target == to:
            return move
    raise InvalidTransition(
        f"A milestone cannot move from {MilestoneState(state).label} "
        f"to {MilestoneState(to).label}.",
        data={"from": state, "to": to},
    )


def milestone_start_refusal(initiative_state: str) -> str | None:
    if initiative_state != State.IN_DELIVERY:
        return "A milestone can start only while its initiative is in delivery."
    return None


def milestone_complete_refusal(open_task_titles: list[str]) -> str | None:
    if open_task_titles:
        shown = ", ".join(open_task_titles[:5])
        more = f" and {len(open_task_titles) - 5} more" if len(open_task_titles) > 5 else ""
        return f"Close every task of the milestone first (open: {shown}{more})."
    return None


# --- Tasks -----------------------------------------------------------------------------------

DELIVERY_TASK_STATES = (State.READY, State.IN_DELIVERY, State.DONE)


def delivery_task_refusal(initiative_state: str, paused_from: str = "") -> str | None:
    """Tasks inside a milestone exist only once the initiative has met its DoR."""
    effective = paused_from if initiative_state == State.PAUSED else initiative_state
    if effective not in DELIVERY_TASK_STATES:
        return (
            "Delivery tasks (tasks in a milestone) can be added once the initiative is ready; "
            "add scoping tasks without a milestone until then."
        )
    return None


# --- Weekly updates --------------------------------------------------------------------------


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(value: str) -> dt.date:
    """The Monday of ``2026-W47``; ValidationFailed for anything else."""
    try:
        year_s, week_s = value.split("-W")
        monday = dt.date.fromisocalendar(int(year_s), int(week_s), 1)
    except (ValueError, AttributeError):
        raise ValidationFailed(
            "A week is written like 2026-W47.", fields={"week": [f"Not an ISO week: {value!r}."]}
        ) from None
    return monday


def shift_week(week: str, weeks: int) -> str:
    return iso_week(parse_iso_week(week) + dt.timedelta(weeks=weeks))


def weeks_between(earlier: str, later: str) -> int:
    return (parse_iso_week(later) - parse_iso_week(earlier)).days // 7


def update_errors(*, health: str, risks: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if health not in Health.values:
        errors["health"] = [f"Choose one of: {', '.join(Health.values)}."]
    elif health != Health.ON_TRACK and not risks.strip():
        errors["risks"] = ["Say what the risks, delays or blockers are when not on track."]
    return errors


# --- What every page, digest and API calls due soon, stale and worst ------------------------

# A milestone is *due soon* when its delivery date is at most this many days ahead (today
# included); before today it is *overdue*.
DUE_SOON_DAYS = 14


def due_soon_until(today: dt.date) -> dt.date:
    """The last delivery date that is still "due soon" on ``today``."""
    return today + dt.timedelta(days=DUE_SOON_DAYS)


def due_status(due: dt.date | None, today: dt.date) -> str:
    """``"overdue"``, ``"due_soon"`` or ``""`` for an open milestone due on ``due``."""
    if due is None:
        return ""
    if due < today:
        return "overdue"
    return "due_soon" if due <= due_soon_until(today) else ""


# Worst first: red, yellow, green, then no update yet. Every list sorted "by health" uses it.
HEALTH_RANK: dict[str, int] = {Health.OFF_TRACK: 0, Health.AT_RISK: 1, Health.ON_TRACK: 2}
NO_HEALTH_RANK = 3


def health_rank(health: str | None) -> int:
    """Sort key of a health, worst first (``""`` or None: no update yet, last)."""
    return HEALTH_RANK.get(health or "", NO_HEALTH_RANK)


STALE_AFTER_WEEKS = 2


def is_stale(*, state: str, last_update_week: str, created_week: str, current_week: str) -> bool:
    """Active and no update for the last two completed weeks in a row."""
    if state not in ACTIVE_STATES:
        return False
    since = max(filter(None, [last_update_week, created_week]))
    return weeks_between(since, current_week) > STALE_AFTER_WEEKS


# --- Gates no longer met ---------------------------------------------------------------------


def lapsed_gates(initiative: Initiative) -> list[str]:
    """The gates ``initiative`` has passed that are not met now (an item reopened after the
    gate, a risk change that reopened the security review, a gate passed by override), from
    the stored progress: no query. Shown as "gate no longer met" on the initiative page, its
    board card, my work and the digest; its next forward move is refused until they are met."""
    return [
        kind
        for kind in passed_gates(initiative.state, paused_from=initiative.paused_from)
        if not gate_progress(initiative, kind).met
    ]


GATE_NAMES: dict[str, str] = {
    ChecklistKind.READY: "Definition of Ready",
    ChecklistKind.DONE: "Definition of Done",
}
LAPSED_LABEL: dict[str, str] = {
    ChecklistKind.READY: "DoR no longer met",
    ChecklistKind.DONE: "DoD no longer met",
}
