"""Property-based contract test: schemathesis generates requests for every operation of
``/api/schema/`` and runs every one of its checks on each answer (no 5xx, status, content
type, headers and body as documented, the ``Allow`` header, authentication not ignored, no
use after delete, created objects available, input the schema calls invalid refused, input it
allows accepted unless a documented rule refuses it: ``CHECKED``).

Two phases, in-process against the WSGI app with an EM's token:

- per operation: the explicit examples, the deterministic coverage cases (boundaries,
  missing and wrongly typed values) and ``MAX_EXAMPLES`` generated requests, positive and
  negative. Half the generated path parameters are swapped for objects that exist, so that
  generated bodies reach the services instead of stopping at 404;
- stateful: chains of calls that follow the links schemathesis infers from the schema (a
  list's ``results/*/key`` feeds ``/initiatives/{key}/``, a created initiative's milestone ids
  feed ``/milestones/{id}/``...; drf-spectacular writes no OpenAPI links of its own).

Nothing outside this machine is contacted: webhooks may only deliver to loopback
(``tests/api/conftest.py``) and ``loopback_only`` refuses any other connection or DNS query
(a fuzzed endpoint URL never reaches the network)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import zlib
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance as builtin_positive_data_acceptance,
)

from initiatives import services
from initiatives.chat.models import ChatDelivery
from initiatives.chat.services import chat_channel_create
from initiatives.collab import services as collab
from initiatives.goals import services as goal_services
from initiatives.intake import services as intake_services
from initiatives.models import ChecklistItem
from initiatives.policies.services import dependency_add
from initiatives.tokens.services import token_create
from initiatives.webhooks.models import WebhookDelivery
from initiatives.webhooks.services import webhook_endpoint_create
from tests.api.openapi import spec
from tests.factories import make_initiative, make_milestone
from tracker.wsgi import application

# The schema needs a signed-in caller (and the database a token), which collection has not:
# the document /api/schema/ serves is built in-process, and the requests go to the WSGI app.
schema = schemathesis.openapi.from_dict(spec())
schema.app = application

load_all_checks()

# Valid input that a rule refuses, by the stable code of the refusal. The schema says what
# input is well formed; it cannot say who is a contributor of the team, which milestone ids
# exist, what day it is, which moves the initiative's state allows (and whether a gate lies on
# the way to override), which items need evidence, whether risks are required (not on track),
# which weeks are open, whether a host is public, or which version is current (412,
# ``If-Match``). schemathesis' ``positive_data_acceptance``
# is configured through its ``expected_statuses`` only; adding 400 and 412 there would also
# accept ``invalid``, the answer to input the API refuses although its schema allows it:
# exactly the validation bugs the check exists to find. So the check is wrapped instead: a
# 400 or 412 to valid input passes only with one of these codes (documented in the schema's
# 400 description and the README), and any other refusal still fails. (409 and 403 are
# among the check's default statuses: a gate, a conflict with the state, a role.)
RULE_REFUSALS = {
    400: {
        "not_contributor",
        "unknown_milestone",
        "date_in_past",
        "invalid_transition",
        "nothing_to_override",
        "reason_required",
        "evidence_required",
        "evidence_invalid",
        "slip_reason_required",
        "update_incomplete",
        "week_not_open",
        "url_not_public",
        # a comment's target or parent that is not a part of this initiative
        "unknown_target",
        # triage: what each action needs besides the action (api/v1/intake.py)
        "team_required",
        "same_team",
        "original_required",
        "self_duplicate",
        "until_required",
        "until_out_of_range",
        "question_required",
        "into_required",
        "initiative_required",
        # Goals (initiatives.goals): an end not after the start (or past the year 9999), a
        # shared team that does not exist or is the goal's own, a measure that does not add
        # up (a target on the wrong side of the baseline, a band without its ends), a key
        # result the initiative's team has no goal of.
        "invalid_period",
        "unknown_team",
        "own_team",
        "invalid_measure",
        "unknown_key_result",
    },
    412: {"stale_write"},
}


def _refusal_code(response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def positive_data_acceptance(ctx, response, case):
    """schemathesis' check, except for valid input refused by a rule (``RULE_REFUSALS``)."""
    if _refusal_code(response) in RULE_REFUSALS.get(response.status_code, ()):
        return None
    return builtin_positive_data_acceptance(ctx, response, case)


# Every built-in check (the Python API's ``--checks all``), positive_data_acceptance wrapped.
CHECKED = [
    positive_data_acceptance if check is builtin_positive_data_acceptance else check
    for check in CHECKS.get_all()
    if not isinstance(check, type)
]
assert positive_data_acceptance in CHECKED and negative_data_rejection in CHECKED

MAX_EXAMPLES = 50
# Requests sent, by operation (reported at the end of the module's run; see ``report``).
SENT: Counter[str] = Counter()

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module", autouse=True)
def report(request):
    """How much was sent, on the terminal of a run without xdist."""
    yield
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if terminal is not None and capture is not None and SENT:
        stateful = SENT.pop("stateful", 0)
        with capture.global_and_fixture_disabled():
            terminal.write_line(
                f"\nschemathesis: {sum(SENT.values())} requests over {len(SENT)} operations "
                f"(at most {MAX_EXAMPLES} generated examples each, plus explicit and coverage "
                f"cases), {stateful} requests in stateful scenarios"
            )


@pytest.fixture
def keep_connection():
    """Called as a WSGI app, Django closes its database connection after each request, which
    would end the test's transaction on PostgreSQL; Django's test client avoids it the same
    way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _is_loopback(host: Any) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture
def loopback_only(monkeypatch):
    """No connection (nor DNS query) leaves this machine while generated data is sent: a
    fuzzed webhook URL can name any host."""
    connect, resolve = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock, address):
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"tests contact loopback only, not {address[0]}")
        return connect(sock, address)

    def guarded_resolve(host, *args, **kwargs):
        if not _is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no names ({host})")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_resolve)


@pytest.fixture
def world(settings, team, people, keep_connection, loopback_only):
    """Real objects for the generated requests to act on, and an EM's token."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/min"},
    }
    dri, em = people["dri"], people["em"]
    initiative = make_initiative(team, dri, stakeholders=[em])
    milestone = make_milestone(initiative, dri)
    task = services.task_create(initiative=initiative, actor=dri, title="Spike")
    services.status_update_post(initiative=initiative, actor=dri, health="on_track")
    endpoint = webhook_endpoint_create(
        team=team, actor=em, url="http://127.0.0.1:9/", events=["milestone.slipped"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="milestone.slipped", payload={"id": "x"}
    )
    chat_channel = chat_channel_create(
        team=team, actor=em, kind="slack", name="#status", webhook_url="http://127.0.0.1:9/c",
        messages=["digest"],
    )  # fmt: skip
    chat_delivery = ChatDelivery.objects.create(
        channel=chat_channel, kind="digest", payload={"text": "x"}, status="sent"
    )
    _, token = token_create(user=em, name="schemathesis")
    ask = intake_services.request_create(team=team, actor=people["legal"], title="Faster CI")
    # Collaboration (initiatives.collab): a comment of the EM's, a sign-off request they made.
    comment = collab.comment_create(initiative=initiative, actor=em, body="Fuzz me")
    review = ChecklistItem.objects.filter(initiative=initiative, signoff_role="security")[0]
    request = collab.signoff_request_create(item=review, actor=em, reviewer=people["security"])
    # Goals: a goal of the team with a key result the EM may check in.
    goal = goal_services.goal_create(
        team=team, actor=em, title="Easiest to deploy", starts_on=dt.date(2026, 10, 1)
    )
    key_result = goal_services.key_result_create(goal=goal, actor=em, title="Installs", target=9)
    # Team policies (initiatives.policies): the initiative is blocked by another one.
    blocker = make_initiative(team, dri, title="Blocker")
    link = dependency_add(initiative=initiative, actor=em, blocker_key=blocker.key)
    ids = {
        "/api/v1/initiatives/": link.pk,  # /initiatives/{key}/blocked-by/{id}/
        "/api/v1/chat-channels/": chat_channel.pk,
        "/api/v1/chat-deliveries/": chat_delivery.pk,
        "/api/v1/requests/": ask.pk,
        "/api/v1/comments/": comment.pk,
        "/api/v1/goals/": goal.pk,
        "/api/v1/key-results/": key_result.pk,
        "/api/v1/signoff-requests/": request.pk,
        "/api/v1/checklist-items/": ChecklistItem.objects.filter(initiative=initiative)[0].pk,
        "/api/v1/milestones/": milestone.pk,
        "/api/v1/tasks/": task.pk,
        "/api/v1/webhooks/": endpoint.pk,
        "/api/v1/webhook-deliveries/": delivery.pk,
    }
    return {"headers": {"Authorization": f"Bearer {token}"}, "key": initiative.key, "ids": ids}


def use_existing_objects(case, world) -> None:
    params = case.path_parameters or {}
    if "key" in params:
        params["key"] = "PLAT" if case.path.startswith("/api/v1/teams/") else world["key"]
    if "id" in params:
        params["id"] = next(v for p, v in world["ids"].items() if case.path.startswith(p))


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_schema(case, world):
    negated_path = case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
    if (
        case.path_parameters
        and not negated_path
        and zlib.crc32(repr(case.path_parameters).encode()) % 2 == 0
    ):
        use_existing_objects(case, world)
    SENT[case.operation.label] += 1
    case.call_and_validate(headers=world["headers"], checks=CHECKED)


def test_api_workflows_conform_to_its_schema(world):
    """Scenarios of linked calls (an object read or written right after the answer that named
    it), every answer checked like the single calls."""
    base = schema.as_state_machine()
    assert schema.statistic.transitions.total > 0, "schemathesis infers no links any more"

    class Workflow(base):  # type: ignore[misc, valid-type]
        # Each scenario starts from the same data: hypothesis replays scenarios to shrink them,
        # and one that created rows would otherwise see different lists (and links) the next
        # time. The cache goes too: its keys are the team's data version, which rolls back.
        def setup(self):
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)
            cache.clear()

        def get_call_kwargs(self, case):
            SENT["stateful"] += 1
            return {"headers": world["headers"]}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # The token is the caller's own (``headers``): the auth checks then probe the
            # operation without it and with an invalid one.
            case.validate_response(
                response,
                checks=CHECKED,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    Workflow.run(settings=settings(FUZZ_SETTINGS, max_examples=MAX_EXAMPLES, stateful_step_count=6))
