"""Telling the requester when the team acts on their request. Email through Django's mail
machinery for now (the installation's ``EMAIL_*`` settings; issue 17 brings the notification
inbox): a ``services.publish`` subscriber writes an outbox message in the write's transaction,
handed to the ``notify_requester`` task after commit.

At most one email per audit event: the task moves ``IntakeRequest.notified_event_id`` on with
a conditional UPDATE before it sends, so a message handed over twice sends once."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from initiatives.intake.models import IntakeRequest
from initiatives.models import ActivityEvent
from initiatives.outbox.api import enqueue
from initiatives.services.publish import subscribe

log = logging.getLogger(__name__)

NOTIFY_TASK = "shipshape_intake.notify_requester"
# The audit verbs the requester hears about.
NOTIFIED_VERBS = frozenset({"request.triaged", "request.resolved"})


@subscribe
def request_changed(event: ActivityEvent) -> None:
    """Subscriber of every audit event: queue an email to the requester of a triaged request
    (not when they did it themselves)."""
    if event.verb not in NOTIFIED_VERBS or event.target_type != "intakerequest":
        return
    requester = (event.after or {}).get("requester")
    if not requester or requester == event.actor_id:
        return
    enqueue("celery.task", {"task": NOTIFY_TASK, "args": [event.pk]})


def notify_requester(event_id: int) -> bool:
    """Send the requester the email of audit event ``event_id``, once; True if sent."""
    event = ActivityEvent.objects.filter(pk=event_id, target_type="intakerequest").first()
    if event is None or event.target_id is None:
        return False
    claimed = IntakeRequest.objects.filter(
        pk=event.target_id, notified_event_id__lt=event.pk, requester__isnull=False
    ).update(notified_event_id=event.pk)
    if not claimed:
        return False
    request = IntakeRequest.objects.select_related(
        "team", "requester", "initiative__team", "routed_to__team", "duplicate_of"
    ).get(pk=event.target_id)
    person = request.requester
    if person is None or not person.email:
        return False
    context = {
        "request": request,
        "event": event,
        "person": person,
        "site_url": settings.SITE_URL,
    }
    subject = (
        f"[{request.team.key}] Your request #{request.pk} is {request.get_state_display().lower()}"
    )
    if request.needs_info:
        subject = f"[{request.team.key}] A question about your request #{request.pk}"
    message = EmailMultiAlternatives(
        subject=subject[:300],
        body=render_to_string("intake/email/request_changed.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
    )
    message.attach_alternative(
        render_to_string("intake/email/request_changed.html", context), "text/html"
    )
    message.send()
    return True
