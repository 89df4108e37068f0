"""Batched notification email: one email per window per person, listing everything since the
last one, written as a delivery row and sent by the weekly cycle's sender exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from initiatives.collab import services as collab
from initiatives.models import DeliveryStatus, EmailDelivery
from initiatives.notifications import email
from initiatives.notifications.models import Channel, EmailState, Kind, Notification
from initiatives.notifications.services import preferences_set
from initiatives.weekly import jobs

pytestmark = pytest.mark.django_db


def mention(initiative, people, after_commit, n: int = 1, who: str = "eng") -> None:
    with after_commit():
        for i in range(n):
            collab.comment_create(initiative=initiative, actor=people["dri"], body=f"@{who} {i}")


def send(now=None) -> list[int]:
    """Build the due batches and send each delivery in this process."""
    return email.send_due_batches(now=now, dispatch=jobs.deliver_now)


def test_five_notifications_in_the_window_make_one_email(
    initiative, people, after_commit, django_capture_on_commit_callbacks
):
    mention(initiative, people, after_commit, 5)
    with django_capture_on_commit_callbacks(execute=True):
        built = send()
    assert len(built) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [people["engineer"].email]
    assert message.subject == "5 new notifications in Shipshape"
    assert message.body.count("#comment-") == 5
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    delivery = EmailDelivery.objects.get()
    assert delivery.job_id is None and delivery.status == DeliveryStatus.SENT
    assert not Notification.objects.filter(email_state=EmailState.PENDING).exists()
    # Sending again sends nothing: the delivery is sent, the notifications are in it.
    with django_capture_on_commit_callbacks(execute=True):
        assert send() == []
    assert jobs.deliver(delivery.pk).result == "skipped"
    assert len(mail.outbox) == 1


def test_at_most_one_email_per_window_then_everything_since(
    initiative, people, after_commit, django_capture_on_commit_callbacks
):
    mention(initiative, people, after_commit, 1)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        send(now)
    mention(initiative, people, after_commit, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(now + dt.timedelta(minutes=10)) == []  # inside the 15 minutes
        assert len(send(now + dt.timedelta(minutes=16))) == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "2 new notifications in Shipshape"


def test_off_and_in_app_only_send_nothing(
    initiative, people, after_commit, django_capture_on_commit_callbacks
):
    preferences_set(actor=people["engineer"], changes={Kind.MENTION: Channel.OFF})
    preferences_set(actor=people["security"], changes={Kind.MENTION: Channel.IN_APP})
    mention(initiative, people, after_commit, 2)
    mention(initiative, people, after_commit, 2, who="sec")
    with django_capture_on_commit_callbacks(execute=True):
        assert send() == []
    assert not mail.outbox
    assert not EmailDelivery.objects.exists()


def test_a_person_without_an_email_address_gets_no_email(
    initiative, people, after_commit, django_capture_on_commit_callbacks
):
    people["engineer"].email = ""
    people["engineer"].save()
    mention(initiative, people, after_commit, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert send() == []
    assert Notification.objects.filter(recipient=people["engineer"]).count() == 2


def test_a_failed_send_is_retried_by_the_same_row(
    initiative, people, after_commit, django_capture_on_commit_callbacks, monkeypatch
):
    mention(initiative, people, after_commit, 1)
    calls = []

    def failing(delivery_id):
        calls.append(delivery_id)
        return None  # the broker took it; nothing sent yet

    with django_capture_on_commit_callbacks(execute=True):
        [delivery_id] = email.send_due_batches(dispatch=failing)
    assert calls == [delivery_id]

    def refuse(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert jobs.deliver(delivery_id).result == "retry"
    monkeypatch.undo()
    later = timezone.now() + dt.timedelta(hours=2)
    assert jobs.deliver(delivery_id, now=later).result == "sent"
    assert len(mail.outbox) == 1
