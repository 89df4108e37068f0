"""Hostile input in intake: markup in every text a request carries is inert on every page and
in every email that shows it; texts are capped; bad alert bodies are a 400, never a 500."""

import pytest
from django.urls import reverse

from initiatives.intake import alerts, notifications
from initiatives.intake import services as intake
from initiatives.intake.models import IntakeRequest
from initiatives.intake.reminders import build
from initiatives.outbox.models import OutboxMessage
from initiatives.rules.exceptions import ValidationFailed
from initiatives.rules.limits import TITLE_CHARS
from tests.intake.conftest import ask

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script><img src=x onerror=alert(2)>"


def test_markup_is_inert_in_pages_and_emails(client, team, people, on_call, mailoutbox):
    request = ask(team, people["outsider"], title=f"T {XSS}", description=f"D {XSS}")
    intake.request_triage(
        request=request, actor=people["engineer"], action="needs_info", question=f"Q {XSS}"
    )
    pages = [
        (people["engineer"], reverse("intake-queue", args=["PLAT"])),
        (people["engineer"], reverse("intake-request", args=[request.pk])),
        (people["outsider"], reverse("intake-request", args=[request.pk])),
        (people["outsider"], reverse("intake-my-requests")),
    ]
    for user, url in pages:
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
    message = OutboxMessage.objects.filter(kind="celery.task").last()
    notifications.notify_requester(message.payload["args"][0])
    [mail] = mailoutbox
    assert "<script>alert" not in mail.alternatives[0][0]
    outgoing, _ = build(team, "2026-W50")
    assert not outgoing or "<script>alert" not in outgoing[0].email.html


def test_texts_are_capped_and_nul_is_refused(team, people, client):
    with pytest.raises(ValidationFailed) as error:
        ask(team, people["outsider"], title="x" * (TITLE_CHARS + 1))
    assert "title" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        ask(team, people["outsider"], description="a\x00b")
    assert "description" in error.value.fields
    request = ask(team, people["outsider"])
    with pytest.raises(ValidationFailed):
        intake.request_triage(
            request=request, actor=people["em"], action="decline", reason="x" * 20_001
        )
    assert not IntakeRequest.objects.exclude(pk=request.pk).exists()


def test_odd_alert_bodies_are_handled(team, people, client):
    _, token = alerts.intake_token_create(team=team, actor=people["em"], name="AM")
    url = reverse("api-team-alerts", args=["PLAT"])
    bodies = [
        {"alerts": "nope"},
        {"alerts": [1, "two", None]},
        {"alerts": [{"labels": "x", "annotations": [], "fingerprint": None}]},
        {"title": "x" * 5000, "fingerprint": "f" * 5000},
        {"title": ["a"], "fingerprint": {"b": 1}},
    ]
    for body in bodies:
        answer = client.post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert answer.status_code in (202, 400), (body, answer.status_code)
    nul = client.post(
        url,
        '{"title": "a\\u0000b", "fingerprint": "f"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    # A machine's body: characters no database stores are dropped, not refused.
    assert nul.status_code == 202
    created = IntakeRequest.objects.get(pk=nul.json()["results"][0]["request"])
    assert created.title == "ab"
