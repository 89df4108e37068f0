"""Team policies as pure checks (no query): given a team's settings and what is in delivery,
which policies refuse starting delivery (or leaving scoping), each with a sentence a person
can read.

``initiatives.policies.checks`` gathers the facts and the one transition service
(``services.initiatives.initiative_transition``) calls it at ``ready → in_delivery`` and at
resume into delivery (WIP limits, pairing), and at ``scoping → ready`` and resume into ready or
later (a linked key result), as part of that move's gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from initiatives.models import State

# The moves that start delivery: the policies are part of their gate.
STARTS_DELIVERY = frozenset({(State.READY, State.IN_DELIVERY), (State.PAUSED, State.IN_DELIVERY)})
# The name of that gate in a refusal (``gate_blocked``'s ``gate``).
DELIVERY_GATE = "in_delivery"
# The moves that leave scoping, or resume past it: the key result policy is part of their gate
# (``ready``, or ``in_delivery`` when the move starts delivery).
LEAVES_SCOPING = frozenset(
    {
        (State.SCOPING, State.READY),
        (State.PAUSED, State.READY),
        (State.PAUSED, State.IN_DELIVERY),
    }
)
READY_GATE = "ready"

POLICY_NAMES = {
    "wip_team": "WIP limit for the team",
    "wip_dri": "WIP limit per DRI",
    "pairing": "Pairing",
    "key_result_required": "A linked key result",
}
# A sentence names at most this many of the initiatives to finish first.
KEYS_SHOWN = 5


@dataclass(frozen=True)
class PolicySettings:
    wip_team: int | None = None
    wip_dri: int | None = None
    pairing_required: bool = False
    pairing_min: int = 2
    key_result_required: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.wip_team or self.wip_dri or self.pairing_required or self.key_result_required
        )

    @property
    def at_start(self) -> bool:
        """A policy checked when delivery starts (WIP limits, pairing)."""
        return bool(self.wip_team or self.wip_dri or self.pairing_required)


NO_POLICIES = PolicySettings()


@dataclass(frozen=True)
class Delivering:
    """An initiative of the team in delivery (other than the one starting)."""

    key: str
    dri_id: int


@dataclass(frozen=True)
class Breach:
    policy: str  # wip_team, wip_dri, pairing, key_result_required
    limit: int
    current: int
    blocking: list[str] = field(default_factory=list)
    sentence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "limit": self.limit,
            "current": self.current,
            "blocking": list(self.blocking),
            "detail": self.sentence,
        }


def _keys(keys: Sequence[str]) -> str:
    shown = ", ".join(keys[:KEYS_SHOWN])
    more = len(keys) - KEYS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _finish_first(keys: Sequence[str]) -> str:
    return f"Finish {keys[0]}" if len(keys) == 1 else f"Finish one of {_keys(keys)}"


def start_breaches(
    settings: PolicySettings,
    *,
    delivering: Sequence[Delivering],
    dri_id: int,
    dri_name: str,
    people: int,
) -> list[Breach]:
    """The policies that refuse starting delivery of an initiative whose DRI is ``dri_id``
    (called ``dri_name``) with ``people`` people on it (the DRI plus its members), while
    ``delivering`` (in rank order) are in delivery. Empty: the policies allow it."""
    breaches: list[Breach] = []
    if settings.wip_team and len(delivering) >= settings.wip_team:
        keys = [d.key for d in delivering]
        breaches.append(
            Breach(
                "wip_team",
                settings.wip_team,
                len(keys),
                keys,
                f"{_finish_first(keys)} first: the team's limit is {settings.wip_team} "
                "in delivery.",
            )
        )
    mine = [d.key for d in delivering if d.dri_id == dri_id]
    if settings.wip_dri and len(mine) >= settings.wip_dri:
        breaches.append(
            Breach(
                "wip_dri",
                settings.wip_dri,
                len(mine),
                mine,
                f"{_finish_first(mine)} first: the team's limit is {settings.wip_dri} in "
                f"delivery per DRI, and {dri_name} is the DRI of {len(mine)}.",
            )
        )
    if settings.pairing_required and people < settings.pairing_min:
        short = settings.pairing_min - people
        breaches.append(
            Breach(
                "pairing",
                settings.pairing_min,
                people,
                [],
                f"Add {short} more {'person' if short == 1 else 'people'} as members first: "
                f"the team starts delivery with at least {settings.pairing_min} people "
                f"(the DRI plus members), and this initiative has {people}.",
            )
        )
    return breaches


def policy_gate(source: str, target: str) -> str:
    """The gate a policy refusal of this move names: ``in_delivery`` when it starts delivery,
    else ``ready``."""
    return DELIVERY_GATE if (source, target) in STARTS_DELIVERY else READY_GATE


def key_result_breaches(settings: PolicySettings, *, key: str, linked: int) -> list[Breach]:
    """The key result policy, for a move in ``LEAVES_SCOPING`` of the initiative ``key``
    serving ``linked`` key results: it needs at least one."""
    if not settings.key_result_required or linked >= 1:
        return []
    return [
        Breach(
            "key_result_required",
            1,
            linked,
            [],
            f"Link {key} to a key result first: the team asks every initiative to serve one.",
        )
    ]


def breach_message(key: str, breaches: Sequence[Breach]) -> str:
    """The refusal's one readable line."""
    return " ".join(b.sentence for b in breaches) or f"{key} cannot start delivery."


def over_limit(settings: PolicySettings, in_delivery: int) -> bool:
    """The team has more in delivery than its limit (an override, or a limit lowered)."""
    return bool(settings.wip_team) and in_delivery > (settings.wip_team or 0)
