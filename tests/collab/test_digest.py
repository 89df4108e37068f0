"""The digest's collaboration sections: requests waiting (overdue first) and the comments
posted on each initiative during the week."""

from __future__ import annotations

import datetime as dt

import pytest

from initiatives.collab import services as collab
from initiatives.models import ChecklistItem
from initiatives.weekly.digest import build_digest, render_digest
from initiatives.weekly.selectors import Recipient
from tests.factories import make_initiative
from tests.weekly.conftest import delivering, travel, utc

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"  # Mon 16 Nov - Sun 22 Nov 2026
BEFORE, DURING, AFTER, SENT = (
    utc("2026-11-10 10:00"),
    utc("2026-11-18 10:00"),
    utc("2026-11-24 10:00"),
    utc("2026-11-23 09:00"),
)


def test_requests_waiting_overdue_first_and_comments_of_the_week(team, people):
    dri, em = people["dri"], people["em"]
    with travel(BEFORE):
        first = delivering(team, dri, em, "Runners")
        second = make_initiative(team, dri, title="Quiet")
        items = ChecklistItem.objects.filter(initiative=first, signoff_role="security")
        later = collab.signoff_request_create(
            item=items.get(kind="done"),
            actor=dri,
            reviewer=people["security"],
            due_date=dt.date(2026, 12, 10),
        )
        legal = ChecklistItem.objects.get(initiative=first, signoff_role="legal")
        overdue = collab.signoff_request_create(
            item=legal, actor=dri, reviewer=people["legal"], due_date=dt.date(2026, 11, 20)
        )
        collab.comment_create(initiative=second, actor=dri, body="Before the week")
    with travel(DURING):
        for n in range(3):
            collab.comment_create(initiative=first, actor=em, body=f"During {n}")
        collab.comment_create(initiative=second, actor=dri, body="During")
    with travel(AFTER):
        collab.comment_create(initiative=first, actor=em, body="After the week")
        digest = build_digest(team, WEEK, now=SENT)
    assert [(w.request.pk, w.overdue) for w in digest.requests] == [
        (overdue.pk, True),
        (later.pk, False),
    ]
    assert [(c.key, c.count) for c in digest.comments] == [(first.key, 3), (second.key, 1)]
    email = render_digest(
        digest, Recipient(email="em@example.com", name="Em", user_id=em.pk, reason="EM")
    )
    assert "REQUESTS WAITING" in email.text and "OVERDUE" in email.text
    assert f"{first.key} Runners - 3 comments" in email.text
    assert "Requests waiting" in email.html and "Discussion this week" in email.html
