"""Each initiative's events form a hash chain: an event stores the SHA-256 of its own content
together with the hash of the previous event of the same initiative (team events without an
initiative chain per team). Changing, removing or reordering a row breaks the chain from that
row on, which ``verify`` finds.

The content hashed is fixed forever: old rows are verified with it, and migration 0006 sealed
the rows written before it with this same function (that is why a migration imports it). A
change of what is hashed needs a new ``HASH_FORMAT`` and a verifier that knows both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

HASH_FORMAT = 1
# The chain of an initiative starts from this "previous hash".
GENESIS = "0" * 64

# The columns of ``ActivityEvent`` that are hashed, in this order.
HASHED_FIELDS = (
    "team_id",
    "initiative_id",
    "actor_id",
    "actor_name",
    "verb",
    "summary",
    "target_type",
    "target_id",
    "before",
    "after",
    "created_at",
)


def _as_stored(value: Any) -> Any:
    """``value`` as the database gives it back: JSON columns round-trip through JSON (a date
    comes back as its ISO text), times are compared in UTC to the microsecond."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def content_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of one event: its ``HASHED_FIELDS`` (from a model instance's attributes or a
    row of values) and the previous event's hash."""
    content = {name: _as_stored(fields[name]) for name in HASHED_FIELDS}
    payload = json.dumps(
        [HASH_FORMAT, prev_hash, content], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def fields_of(event: Any) -> dict[str, Any]:
    """The hashed fields of an ``ActivityEvent`` (current or historical model)."""
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def seal(event: Any, prev_hash: str | None) -> None:
    """Set ``event``'s chain columns before it is saved; ``prev_hash`` None starts a chain."""
    event.prev_hash = prev_hash or GENESIS
    event.content_hash = content_hash(fields_of(event), event.prev_hash)


def chain_of(event: Any) -> dict[str, Any]:
    """The filter selecting the events of ``event``'s chain."""
    if event.initiative_id is not None:
        return {"initiative_id": event.initiative_id}
    return {"team_id": event.team_id, "initiative_id": None}
