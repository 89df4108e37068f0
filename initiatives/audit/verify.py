"""Recompute the hash chains of the audit log and name the first broken link of each.

An event is a broken link when its stored content hash is not the hash of its content (the
row was altered), or when its previous hash is not the content hash of the event before it in
its chain (a row was removed, inserted or reordered)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from initiatives.audit.chain import GENESIS, HASHED_FIELDS, content_hash
from initiatives.models import ActivityEvent, Initiative, Team

BATCH = 2000


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """The first event of a chain that does not verify, and why."""

    chain: str  # "PLAT-3", or "team PLAT" for the team's own events
    event_id: int
    verb: str
    reason: str

    def __str__(self) -> str:
        return f"{self.chain}: event #{self.event_id} ({self.verb}) {self.reason}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    chains: int
    events: int
    broken: list[BrokenLink]
    heads: dict[str, str]  # chain name -> the content hash of its newest event

    @property
    def ok(self) -> bool:
        return not self.broken


def _rows(initiative: Initiative | None) -> Iterator[dict]:
    """Every event (of one initiative) in id order, which is chain order: events are numbered
    while the team's row is locked (``services.common.record``). A batch at a time."""
    queryset = ActivityEvent.objects.order_by("pk")
    if initiative is not None:
        queryset = queryset.filter(initiative=initiative)
    columns = ("pk", "prev_hash", "content_hash", *HASHED_FIELDS)
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).values(*columns)[:BATCH])
        if not batch:
            return
        yield from batch
        last = batch[-1]["pk"]


def verify(initiative: Initiative | None = None) -> ChainReport:
    """Check every chain (or ``initiative``'s): one pass over the log in id order."""
    names = _chain_names()
    heads: dict[tuple[int | None, int | None], str] = {}
    broken: dict[tuple[int | None, int | None], BrokenLink] = {}
    events = 0
    for row in _rows(initiative):
        events += 1
        key = (row["initiative_id"], None if row["initiative_id"] else row["team_id"])
        expected_prev = heads.get(key, GENESIS)
        heads[key] = row["content_hash"]
        if key in broken:
            continue
        reason = ""
        if row["prev_hash"] != expected_prev:
            reason = "does not follow the event before it (an event was removed or reordered)"
        elif content_hash(row, row["prev_hash"]) != row["content_hash"]:
            reason = "was altered after it was written (its content does not match its hash)"
        if reason:
            broken[key] = BrokenLink(names(key), row["pk"], row["verb"], reason)
    return ChainReport(
        chains=len(heads),
        events=events,
        broken=sorted(broken.values(), key=lambda b: b.event_id),
        heads={names(key): head for key, head in heads.items()},
    )


def _chain_names() -> Callable[[tuple[int | None, int | None]], str]:
    """A function naming a chain key ``(initiative id, team id)``: ``PLAT-3`` or ``team PLAT``."""
    keys = {
        pk: f"{team}-{number}"
        for pk, team, number in Initiative.objects.values_list("pk", "team__key", "number")
    }
    teams = dict(Team.objects.values_list("pk", "key"))

    def name(key: tuple[int | None, int | None]) -> str:
        initiative_id, team_id = key
        if initiative_id is not None:
            return keys.get(initiative_id, f"initiative #{initiative_id}")
        return f"team {teams.get(team_id or 0, team_id)}"

    return name


def head_hash(initiative: Initiative) -> str:
    """The content hash of ``initiative``'s newest event: the head of its chain (one query)."""
    head = (
        ActivityEvent.objects.filter(initiative=initiative)
        .order_by("-pk")
        .values_list("content_hash", flat=True)
        .first()
    )
    return head or GENESIS
