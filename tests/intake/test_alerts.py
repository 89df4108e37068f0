"""Alert intake (CAT2): Alertmanager's webhook JSON and the generic shape, folding by
fingerprint, resolved notifications, and the per-team intake token stored hashed."""

import hashlib

import pytest

from initiatives.intake import alerts
from initiatives.intake import services as intake
from initiatives.intake.models import Category, Impact, IntakeRequest, IntakeToken, RequestState
from initiatives.models import ActivityEvent
from initiatives.rules.exceptions import NotAllowed, ValidationFailed

pytestmark = pytest.mark.django_db


def alertmanager(status="firing", fingerprint="c0ffee", **labels):
    """A webhook body as Alertmanager (version 4) sends it."""
    labels = {"alertname": "DiskFull", "severity": "critical", "instance": "db-1", **labels}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "shipshape-plat",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": status,
                "labels": labels,
                "annotations": {"summary": "Disk 95% full on db-1", "description": "Grows 2%/h"},
                "startsAt": "2026-11-17T09:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example:9090/graph?g0.expr=disk",
                "fingerprint": fingerprint,
            }
        ],
    }


def receive(team, body):
    return alerts.alerts_receive(team=team, body=body)


def test_a_firing_alert_opens_a_cat2_request_for_the_person_on_call(team, on_call):
    [outcome] = receive(team, alertmanager())
    assert outcome.outcome == "created"
    request = IntakeRequest.objects.get(pk=outcome.request_id)
    assert request.category == Category.CAT2 and request.impact == Impact.CRITICAL
    assert request.title == "DiskFull: Disk 95% full on db-1"
    assert request.assignee == on_call and request.requester is None
    assert request.source == "alertmanager" and request.alert_count == 1
    assert request.links == ["http://prometheus.example:9090/graph?g0.expr=disk"]
    assert ActivityEvent.objects.get(verb="request.created").actor is None


def test_the_same_fingerprint_folds_into_the_open_request(team):
    first = receive(team, alertmanager())[0]
    again = receive(team, alertmanager())[0]
    other = receive(team, alertmanager(fingerprint="beef"))[0]
    assert again.outcome == "folded" and again.request_id == first.request_id
    assert other.outcome == "created"
    request = IntakeRequest.objects.get(pk=first.request_id)
    assert request.alert_count == 2 and request.last_seen_at is not None
    assert IntakeRequest.objects.count() == 2


def test_resolved_closes_an_untriaged_request(team):
    opened = receive(team, alertmanager())[0]
    resolved = receive(team, alertmanager(status="resolved"))[0]
    assert resolved.outcome == "resolved"
    request = IntakeRequest.objects.get(pk=opened.request_id)
    assert request.state == RequestState.RESOLVED and request.closed_at is not None
    # It fires again later: a new request, the closed one stays closed.
    fresh = receive(team, alertmanager())[0]
    assert fresh.outcome == "created" and fresh.request_id != opened.request_id


def test_resolved_leaves_a_triaged_request_with_the_team(team, people):
    opened = receive(team, alertmanager())[0]
    request = IntakeRequest.objects.get(pk=opened.request_id)
    intake.request_triage(
        request=request,
        actor=people["engineer"],
        action="accept",
        accept=intake.Accept("new_initiative"),
    )
    receive(team, alertmanager(status="resolved"))
    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED  # not reopened, nor closed again


def test_resolved_for_an_unknown_fingerprint_changes_nothing(team):
    assert receive(team, alertmanager(status="resolved"))[0].outcome == "ignored"
    assert not IntakeRequest.objects.exists()


def test_the_generic_shape(team):
    body = {
        "title": "Queue backlog over 10k",
        "severity": "warning",
        "source": "grafana",
        "fingerprint": "q-backlog",
        "url": "https://grafana.example/d/q",
    }
    created = receive(team, body)[0]
    request = IntakeRequest.objects.get(pk=created.request_id)
    assert (request.impact, request.source) == (Impact.MEDIUM, "grafana")
    assert receive(team, body)[0].outcome == "folded"
    assert receive(team, {**body, "status": "resolved"})[0].outcome == "resolved"
    with pytest.raises(ValidationFailed) as error:
        receive(team, {"severity": "critical"})
    assert set(error.value.fields) == {"title", "fingerprint"}


def test_an_intake_token_is_stored_hashed_and_files_to_its_team_only(team, people, cloud):
    row, token = alerts.intake_token_create(team=team, actor=people["em"], name="Alertmanager")
    assert token.startswith("ssi_")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(IntakeToken.objects.values())
    assert alerts.intake_token_authenticate("PLAT", token) == team
    assert alerts.intake_token_authenticate("CLOUD", token) is None
    assert alerts.intake_token_authenticate("PLAT", token + "x") is None
    alerts.intake_token_revoke(token=row, actor=people["em"])
    assert alerts.intake_token_authenticate("PLAT", token) is None


def test_only_a_manager_creates_intake_tokens(team, people):
    with pytest.raises(NotAllowed):
        alerts.intake_token_create(team=team, actor=people["engineer"], name="AM")
    with pytest.raises(ValidationFailed):
        alerts.intake_token_create(team=team, actor=people["em"], name=" ")
