"""The requester hears when the team triages their request: one email per change, through the
outbox, never for their own changes."""

import pytest

from initiatives.intake import notifications
from initiatives.intake import services as intake
from initiatives.models import ActivityEvent
from initiatives.outbox.models import OutboxMessage
from tests.intake.conftest import ask

pytestmark = pytest.mark.django_db


def queued():
    return [
        m.payload["args"][0]
        for m in OutboxMessage.objects.filter(kind="celery.task")
        if m.payload["task"] == notifications.NOTIFY_TASK
    ]


def test_a_triage_queues_one_email_to_the_requester(team, people, mailoutbox):
    request = ask(team, people["outsider"])
    assert queued() == []  # filing it tells nobody
    accepted = intake.request_triage(
        request=request, actor=people["engineer"], action="accept",
        accept=intake.Accept("new_initiative"),
    )  # fmt: skip
    [event_id] = queued()
    assert ActivityEvent.objects.get(pk=event_id).verb == "request.triaged"
    assert notifications.notify_requester(event_id) is True
    assert notifications.notify_requester(event_id) is False  # handed over twice: sent once
    [mail] = mailoutbox
    assert mail.to == [people["outsider"].email]
    assert "accepted" in mail.subject
    assert accepted.initiative.key in mail.body
    assert f"/requests/{request.pk}/" in mail.body  # the page that follows it for them


def test_a_question_reaches_the_requester(team, people, mailoutbox):
    request = ask(team, people["outsider"])
    intake.request_triage(
        request=request, actor=people["engineer"], action="needs_info", question="Which repo?"
    )
    notifications.notify_requester(queued()[0])
    assert "question" in mailoutbox[0].subject and "Which repo?" in mailoutbox[0].body


def test_nobody_is_told_of_their_own_triage(team, people):
    request = ask(team, people["engineer"])
    intake.request_triage(request=request, actor=people["engineer"], action="decline", reason="x")
    assert queued() == []
