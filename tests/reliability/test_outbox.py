"""The transactional outbox: side effects are rows of the change's transaction, handed over
after commit or by the drain, once, whatever the broker does."""

from unittest import mock

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerDown

from initiatives import services
from initiatives.models import ActivityEvent, State
from initiatives.outbox import api as outbox
from initiatives.outbox.models import OutboxMessage
from initiatives.webhooks import tasks as api_tasks
from initiatives.webhooks.events import enqueue_event
from initiatives.webhooks.models import WebhookDelivery
from initiatives.webhooks.services import webhook_endpoint_create
from initiatives.weekly import tasks


@pytest.fixture
def endpoint(team, people):
    return webhook_endpoint_create(
        team=team,
        actor=people["em"],
        url="http://127.0.0.1:9/h",
        events=["initiative.transitioned"],
    )


def move(initiative, people):
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])


def test_the_message_is_written_in_the_changes_transaction(initiative, people, endpoint):
    with transaction.atomic():
        move(initiative, people)
        assert OutboxMessage.objects.filter(kind="webhook.event").count() == 1
        transaction.set_rollback(True)
    assert not OutboxMessage.objects.filter(kind="webhook.event").exists()


def test_handed_over_after_commit(initiative, people, endpoint, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(api_tasks.deliver_webhook, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        move(initiative, people)
    message = OutboxMessage.objects.get(kind="webhook.event")
    assert message.dispatched_at is not None and message.attempts == 1
    delivery = WebhookDelivery.objects.get()
    delay.assert_called_once_with(delivery.pk)


def test_broker_down_keeps_the_change_and_the_drain_delivers_once(
    initiative, people, endpoint, django_capture_on_commit_callbacks
):
    down = mock.Mock(side_effect=BrokerDown("down"))
    with (
        mock.patch.dict(outbox.HANDLERS, {"webhook.event": down}),
        django_capture_on_commit_callbacks(execute=True),
    ):
        move(initiative, people)
    initiative.refresh_from_db()
    assert initiative.state == State.SCOPING  # the change stands
    message = OutboxMessage.objects.get(kind="webhook.event")
    assert message.dispatched_at is None and message.attempts == 1 and "down" in message.last_error
    # The broker is back: the drain hands it over, once.
    with mock.patch.object(api_tasks.deliver_webhook, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            # The event, then the delivery task it fanned out to (itself an outbox row).
            assert outbox.drain() == {"dispatched": 2, "failed": 0}
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.drain() == {"dispatched": 0, "failed": 0}
    assert delay.call_count == 1
    assert WebhookDelivery.objects.count() == 1


def test_a_message_handed_over_twice_has_its_effect_once(initiative, people, endpoint):
    move(initiative, people)
    event = ActivityEvent.objects.get(verb="initiative.transitioned")
    with mock.patch.object(api_tasks.deliver_webhook, "delay"):
        first = enqueue_event(event.pk)
        second = enqueue_event(event.pk)
    assert len(first) == 1 and second == []
    assert WebhookDelivery.objects.count() == 1


def test_weekly_dispatch_goes_through_the_outbox(team):
    with mock.patch.object(tasks.deliver_email, "delay", side_effect=BrokerDown("down")):
        tasks.dispatch_delivery(12345)
    message = OutboxMessage.objects.get(kind="celery.task")
    assert message.payload == {"task": "initiatives.deliver_email", "args": [12345]}
    assert message.dispatched_at is None
    with mock.patch.object(tasks.deliver_email, "delay") as delay:
        assert outbox.drain()["dispatched"] == 1
    delay.assert_called_once_with(12345)


def test_the_drain_stops_at_the_first_failure_and_keeps_order(team):
    for n in range(3):
        with mock.patch.object(tasks.deliver_email, "delay", side_effect=BrokerDown("down")):
            tasks.dispatch_delivery(n)
    with mock.patch.object(tasks.deliver_email, "delay", side_effect=BrokerDown("still")) as d:
        assert outbox.drain() == {"dispatched": 0, "failed": 1}
    assert d.call_count == 1
    with mock.patch.object(tasks.deliver_email, "delay") as delay:
        assert outbox.drain() == {"dispatched": 3, "failed": 0}
    assert [c.args[0] for c in delay.call_args_list] == [0, 1, 2]
