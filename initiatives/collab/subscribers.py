"""The collaboration package's part in other writes, as a ``services.publish`` subscriber
(inside the recording transaction): a decided sign-off item closes its open requests."""

from __future__ import annotations

from initiatives.collab.services import signoff_requests_close
from initiatives.models import ActivityEvent
from initiatives.services.publish import subscribe

DECISION_VERBS = frozenset({"checklist_item.signed_off", "checklist_item.waived"})


@subscribe
def activity_recorded(event: ActivityEvent) -> None:
    if event.verb in DECISION_VERBS and event.target_id is not None:
        signoff_requests_close(item_id=event.target_id, event=event)
