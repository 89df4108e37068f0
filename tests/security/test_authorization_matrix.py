"""Every route x every role -> the status it must answer, generated from the URL configuration.

``ROUTES`` classifies each named route: how to build its URL from the fixtures, the statuses
of a GET per role, and for routes that take writes the main write (method, body) and its
statuses per role. A route found in the URL configuration and missing from ``ROUTES`` (and
from the justified ``UNCHECKED`` list) fails ``test_every_route_is_classified``.

Each request runs in a savepoint that is rolled back, so one role's write does not change
what the next role sees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from initiatives import services
from initiatives.chat.models import ChatDelivery
from initiatives.chat.services import chat_channel_create
from initiatives.collab import services as collab
from initiatives.goals import services as goals
from initiatives.goals.models import Goal
from initiatives.intake import alerts as intake_alerts
from initiatives.intake import rotation as intake_rotation
from initiatives.intake import services as intake_services
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    Health,
    Role,
    State,
    TaskState,
    Team,
)
from initiatives.notifications import fanout
from initiatives.notifications.models import Kind, Notification
from initiatives.notifications.services import unsubscribe_token as notification_unsubscribe
from initiatives.policies.services import dependency_add
from initiatives.rules.workflow import shift_week
from initiatives.tokens.services import token_create
from initiatives.webhooks.models import WebhookDelivery
from initiatives.webhooks.services import webhook_endpoint_create
from initiatives.weekly.digest import unsubscribe_token
from tests.factories import TeamFactory, make_initiative, make_milestone, member

ROLES = ("anonymous", "viewer", "engineer", "dri", "em", "security", "outsider")


def walk(patterns, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(qualified name or '<unnamed>', pattern) of every route, depth first."""
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace or ""]))
            found += walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = p.name or "<unnamed>"
            name = f"{namespace}:{name}" if namespace else name
            found.append((name, prefix + str(p.pattern)))
    return found


# Routes deliberately outside the matrix, with the reason. Everything else must be in ROUTES.
UNCHECKED: dict[str, str] = {
    # The Django admin is staff-only and role-blind; test_admin_is_staff_only covers it.
    "admin:*": "Django admin: staff only, checked by test_admin_is_staff_only",
    # The API's catch-all answers the JSON 404 for unknown /api/ paths (tests/api/test_errors).
    "<unnamed>:api/^.*$": "catch-all JSON 404 under /api/, no resource behind it",
}


@dataclass
class Route:
    url: Callable[[dict[str, Any]], str]
    get: dict[str, int]
    write: tuple[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None
    write_expect: dict[str, int] = field(default_factory=dict)


def by_role(anonymous, viewer, engineer, dri, em, security, outsider) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, viewer, engineer, dri, em, security, outsider), strict=True))


def everyone(code: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, code)


def same(anonymous: int, member: int, outsider: int) -> dict[str, int]:
    return by_role(anonymous, member, member, member, member, member, outsider)


def r(name: str, *args: str) -> Callable[[dict[str, Any]], str]:
    return lambda fx: reverse(name, args=[fx[a] for a in args])


TODAY = dt.date.today()
NEXT_MONTH = (TODAY + dt.timedelta(days=30)).isoformat()

# Profiles used below (anonymous, viewer, engineer, dri, em, security, outsider). The engineer
# is a member of the initiative; security is a contributor of the team who is neither its DRI
# nor a member; the outsider is an EM of another team.
WEB_MEMBER_READ = same(302, 200, 404)
WEB_LOGGED_IN = same(302, 200, 200)
WEB_DRI_EM_FORM = by_role(302, 403, 403, 200, 200, 403, 404)
WEB_DRI_EM_POST = by_role(302, 403, 403, 302, 302, 403, 404)
WEB_MILESTONE_FORM = by_role(302, 403, 200, 200, 200, 403, 404)
WEB_MILESTONE_POST = by_role(302, 403, 302, 302, 302, 403, 404)
WEB_CONTRIB_FORM = by_role(302, 403, 200, 200, 200, 200, 404)
WEB_CONTRIB_POST = by_role(302, 403, 302, 302, 302, 302, 404)
WEB_POST_ONLY = same(302, 405, 405)
WEB_EM_ONLY_FORM = by_role(302, 403, 403, 403, 200, 403, 404)
WEB_EM_ONLY_POST = by_role(302, 403, 403, 403, 302, 403, 404)
API_MEMBER_READ = same(401, 200, 404)
API_LOGGED_IN = same(401, 200, 200)
API_DRI_EM_WRITE = by_role(401, 403, 403, 200, 200, 403, 404)
API_MILESTONE_WRITE = by_role(401, 403, 200, 200, 200, 403, 404)
API_CONTRIB_WRITE = by_role(401, 403, 200, 200, 200, 200, 404)
API_EM_ONLY = by_role(401, 403, 403, 403, 200, 403, 404)
# A key result's check-in: its owner (the DRI in the fixtures) or an EM.
WEB_OWNER_EM_POST = by_role(302, 403, 403, 302, 302, 403, 404)
API_OWNER_EM_WRITE = by_role(401, 403, 403, 200, 200, 403, 404)
# DRF checks the method before looking the object up: a GET on a POST-only route is 405 for
# every signed-in caller (it reveals only that the route exists).
API_POST_ONLY = same(401, 405, 405)

GOAL_FORM = {"title": "Faster", "period": "quarter", "starts_on": TODAY.isoformat(),
             "status": "on_track"}  # fmt: skip
KR_FORM = {"title": "Installs", "kind": "result", "direction": "increase", "baseline": "0",
           "target": "10"}  # fmt: skip


def created(profile: dict[str, int]) -> dict[str, int]:
    return {role: 201 if code == 200 else code for role, code in profile.items()}


def person(role: str, kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda fx: {"user": fx["people"][role].pk, "kind": kind}


ROUTES: dict[str, Route] = {
    # --- Operations: no login (metrics: loopback, which the test client is) ---
    "ops-healthz": Route(r("ops-healthz"), everyone(200)),
    "ops-readyz": Route(r("ops-readyz"), everyone(200)),
    "ops-metrics": Route(r("ops-metrics"), everyone(200)),
    # --- Accounts ---
    "login": Route(r("login"), everyone(200)),
    "logout": Route(r("logout"), everyone(405), ("POST", lambda fx: {}), everyone(302)),
    "password_change": Route(r("password_change"), WEB_LOGGED_IN),
    "password_change_done": Route(r("password_change_done"), WEB_LOGGED_IN),
    "password_reset": Route(r("password_reset"), everyone(200)),
    "password_reset_done": Route(r("password_reset_done"), everyone(200)),
    "password_reset_confirm": Route(
        lambda fx: reverse("password_reset_confirm", args=["MQ", "bad-token"]), everyone(200)
    ),
    "password_reset_complete": Route(r("password_reset_complete"), everyone(200)),
    # Single sign-on is off unless configured (tests/sso runs it against a real provider).
    "sso-start": Route(r("sso-start"), everyone(404)),
    "sso-callback": Route(r("sso-callback"), everyone(404)),
    # --- Dashboard ---
    "dashboard": Route(r("dashboard"), WEB_LOGGED_IN),
    "dashboard-csv": Route(r("dashboard-csv"), WEB_LOGGED_IN),
    "team-dashboard": Route(r("team-dashboard", "team"), WEB_MEMBER_READ),
    "team-dashboard-csv": Route(r("team-dashboard-csv", "team"), WEB_MEMBER_READ),
    "api-portfolio": Route(r("api-portfolio"), API_LOGGED_IN),
    # --- API ---
    "api-teams": Route(r("api-teams"), API_LOGGED_IN),
    "api-team": Route(r("api-team", "team"), API_MEMBER_READ),
    "api-webhooks": Route(
        r("api-webhooks", "team"),
        API_EM_ONLY,
        ("POST", lambda fx: {"url": "http://127.0.0.1:9/h", "events": ["milestone.slipped"]}),
        created(API_EM_ONLY),
    ),
    "api-initiatives": Route(
        r("api-initiatives"),
        API_LOGGED_IN,
        ("POST", lambda fx: {"team": fx["team"], "title": "Another one"}),
        by_role(401, 403, 201, 201, 201, 201, 404),
    ),
    "api-initiative": Route(
        r("api-initiative", "key"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"title": "Renamed"}),
        API_DRI_EM_WRITE,
    ),
    "api-initiative-transition": Route(
        r("api-initiative-transition", "key"),
        API_POST_ONLY,
        ("POST", lambda fx: {"to": State.SCOPING}),
        API_DRI_EM_WRITE,
    ),
    "api-initiative-checklists": Route(r("api-initiative-checklists", "key"), API_MEMBER_READ),
    # --- Team policies, priority, blocked-by (initiatives.policies) ---
    "api-team-policies": Route(
        r("api-team-policies", "team"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"wip_team": 3}),
        API_EM_ONLY,
    ),
    "api-initiative-blocked-by": Route(
        r("api-initiative-blocked-by", "key"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"blocker": fx["free_blocker"]}),
        created(API_DRI_EM_WRITE),
    ),
    "api-initiative-blocked-by-link": Route(
        r("api-initiative-blocked-by-link", "key", "dependency"),
        API_POST_ONLY,
        ("DELETE", lambda fx: {}),
        by_role(401, 403, 403, 204, 204, 403, 404),
    ),
    "team-policies": Route(
        r("team-policies", "team"),
        WEB_MEMBER_READ,
        ("POST", lambda fx: {"wip_team": "3", "pairing_min": "2"}),
        WEB_EM_ONLY_POST,
    ),
    "initiative-rank": Route(
        r("initiative-rank", "key"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"direction": "up"}),
        WEB_EM_ONLY_POST,
    ),
    "dependency-add": Route(
        r("dependency-add", "key"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"blocker": fx["free_blocker"]}),
        WEB_DRI_EM_POST,
    ),
    "dependency-remove": Route(
        r("dependency-remove", "key", "dependency"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {}),
        WEB_DRI_EM_POST,
    ),
    "api-initiative-milestones": Route(
        r("api-initiative-milestones", "key"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"title": "Beta", "due_date": NEXT_MONTH}),
        created(API_MILESTONE_WRITE),
    ),
    "api-initiative-tasks": Route(
        r("api-initiative-tasks", "key"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"title": "More work"}),
        created(API_CONTRIB_WRITE),
    ),
    "api-initiative-updates": Route(
        r("api-initiative-updates", "key"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"health": Health.ON_TRACK, "progress": "Fine"}),
        created(API_DRI_EM_WRITE),
    ),
    "api-initiative-activity": Route(r("api-initiative-activity", "key"), API_MEMBER_READ),
    "api-initiative-evidence": Route(r("api-initiative-evidence", "key"), API_MEMBER_READ),
    # --- Import and export (transfer) ---
    "api-team-export": Route(r("api-team-export", "team"), API_EM_ONLY),
    "team-initiatives-csv": Route(r("team-initiatives-csv", "team"), WEB_MEMBER_READ),
    "initiative-tasks-csv": Route(r("initiative-tasks-csv", "key"), WEB_MEMBER_READ),
    "initiative-updates-csv": Route(r("initiative-updates-csv", "key"), WEB_MEMBER_READ),
    "initiative-slips-csv": Route(r("initiative-slips-csv", "key"), WEB_MEMBER_READ),
    "api-checklist-item": Route(
        r("api-checklist-item", "item"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"status": "done"}),
        API_DRI_EM_WRITE,
    ),
    "api-milestone": Route(
        r("api-milestone", "milestone"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"title": "Pilot 2"}),
        API_MILESTONE_WRITE,
    ),
    "api-milestone-transition": Route(
        r("api-milestone-transition", "milestone"),
        API_POST_ONLY,
        ("POST", lambda fx: {"to": "cancelled"}),
        API_MILESTONE_WRITE,
    ),
    "api-task": Route(
        r("api-task", "task"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"title": "Scope it well"}),
        API_CONTRIB_WRITE,
    ),
    "api-updates": Route(r("api-updates"), API_LOGGED_IN),
    "api-webhook": Route(
        r("api-webhook", "endpoint"),
        API_EM_ONLY,
        ("PATCH", lambda fx: {"description": "CI bot"}),
        API_EM_ONLY,
    ),
    "api-webhook-deliveries": Route(r("api-webhook-deliveries", "endpoint"), API_EM_ONLY),
    "api-webhook-redeliver": Route(
        r("api-webhook-redeliver", "delivery"),
        API_POST_ONLY,
        ("POST", lambda fx: {}),
        {role: 202 if code == 200 else code for role, code in API_EM_ONLY.items()},
    ),
    # The OpenAPI schema and its docs are public: they describe the API, not anyone's data.
    # Behind sign-in since issue 14 (the schema is built once per process; anonymous callers
    # get the API's 401, the docs page sends them to sign in).
    "api-schema": Route(r("api-schema"), same(401, 200, 200)),
    "api-docs": Route(r("api-docs"), same(302, 200, 200)),
    # --- Tokens (each user's own) ---
    "api-tokens": Route(
        r("api-tokens"), WEB_LOGGED_IN, ("POST", lambda fx: {"name": "ci"}), same(302, 201, 201)
    ),
    "api-token-revoke": Route(
        r("api-token-revoke", "token"),
        same(302, 405, 405),
        ("POST", lambda fx: {}),
        by_role(302, 404, 404, 302, 404, 404, 404),
    ),
    # --- Weekly digest ---
    "weekly-digest-preview": Route(r("weekly-digest-preview", "team"), WEB_MEMBER_READ),
    "weekly-subscription": Route(
        r("weekly-subscription", "team"),
        WEB_MEMBER_READ,
        ("POST", lambda fx: {"active": "1"}),
        same(302, 302, 404),
    ),
    "weekly-subscribers": Route(
        r("weekly-subscribers", "team"),
        by_role(302, 403, 403, 403, 200, 403, 404),
        ("POST", lambda fx: {"email": "ops@example.com"}),
        by_role(302, 403, 403, 403, 302, 403, 404),
    ),
    "weekly-unsubscribe": Route(
        r("weekly-unsubscribe", "unsubscribe"),
        everyone(200),
        ("POST", lambda fx: {}),
        everyone(200),
    ),
    # --- Web UI ---
    "my-work": Route(r("my-work"), WEB_LOGGED_IN),
    "team-list": Route(r("team-list"), WEB_LOGGED_IN),
    "team-detail": Route(r("team-detail", "team"), WEB_MEMBER_READ),
    "initiative-create": Route(
        r("initiative-create", "team"),
        WEB_CONTRIB_FORM,
        ("POST", lambda fx: {"title": "Another", "dri": fx["people"]["dri"].pk}),
        WEB_CONTRIB_POST,
    ),
    "initiative-detail": Route(r("initiative-detail", "key"), WEB_MEMBER_READ),
    "initiative-evidence": Route(r("initiative-evidence", "key"), WEB_MEMBER_READ),
    "initiative-edit": Route(
        r("initiative-edit", "key"),
        WEB_DRI_EM_FORM,
        ("POST", lambda fx: {"title": "Renamed", "dri": fx["people"]["dri"].pk}),
        WEB_DRI_EM_POST,
    ),
    "initiative-transition": Route(
        r("initiative-transition", "key"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"to": State.SCOPING}),
        WEB_DRI_EM_POST,
    ),
    "initiative-people": Route(
        r("initiative-people", "key"),
        WEB_MEMBER_READ,
        ("POST", person("legal", "stakeholder")),
        WEB_DRI_EM_POST,
    ),
    "initiative-person-remove": Route(
        r("initiative-person-remove", "key"),
        WEB_POST_ONLY,
        ("POST", person("engineer", "member")),
        WEB_DRI_EM_POST,
    ),
    "status-update": Route(
        r("status-update", "key"),
        WEB_DRI_EM_FORM,
        ("POST", lambda fx: {"health": Health.ON_TRACK, "progress": "Fine"}),
        WEB_DRI_EM_POST,
    ),
    "milestone-create": Route(
        r("milestone-create", "key"),
        WEB_MILESTONE_FORM,
        ("POST", lambda fx: {"title": "Beta", "due_date": NEXT_MONTH}),
        WEB_MILESTONE_POST,
    ),
    "task-create": Route(
        r("task-create", "key"),
        WEB_CONTRIB_FORM,
        ("POST", lambda fx: {"title": "More", "state": TaskState.TODO}),
        WEB_CONTRIB_POST,
    ),
    "milestone-edit": Route(
        r("milestone-edit", "milestone"),
        WEB_MILESTONE_FORM,
        ("POST", lambda fx: {"title": "Pilot 2", "due_date": NEXT_MONTH}),
        WEB_MILESTONE_POST,
    ),
    "milestone-transition": Route(
        r("milestone-transition", "milestone"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"to": "cancelled"}),
        WEB_MILESTONE_POST,
    ),
    "task-edit": Route(
        r("task-edit", "task"),
        WEB_CONTRIB_FORM,
        ("POST", lambda fx: {"title": "Scope it well", "state": TaskState.TODO}),
        WEB_CONTRIB_POST,
    ),
    "task-move": Route(
        r("task-move", "task"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"state": TaskState.DONE}),
        WEB_CONTRIB_POST,
    ),
    "checklist-item-tick": Route(
        r("checklist-item-tick", "item"), WEB_POST_ONLY, ("POST", lambda fx: {}), WEB_DRI_EM_POST
    ),
    "checklist-item-waive": Route(
        r("checklist-item-waive", "item"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"reason": "n/a"}),
        WEB_DRI_EM_POST,
    ),
    "checklist-item-reopen": Route(
        r("checklist-item-reopen", "done_item"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {}),
        WEB_DRI_EM_POST,
    ),
    # --- Chat (issue 18): the team's channels are its EM's; one's chat settings one's own;
    # the endpoints Slack and Mattermost call answer only a signed request (401 otherwise) ---
    "chat-channels": Route(
        r("chat-channels", "team"),
        WEB_EM_ONLY_FORM,
        (
            "POST",
            lambda fx: {
                "kind": "slack",
                "name": "#x",
                "webhook_url": "http://127.0.0.1:9/h",
                "messages": "digest",
            },
        ),
        WEB_EM_ONLY_POST,
    ),
    "chat-preview": Route(r("chat-preview", "team"), WEB_MEMBER_READ),
    "chat-channel": Route(
        r("chat-channel", "chat_channel"),
        WEB_EM_ONLY_FORM,
        ("POST", lambda fx: {"name": "#y", "messages": "digest", "active": "on"}),
        WEB_EM_ONLY_POST,
    ),
    "chat-channel-delete": Route(
        r("chat-channel-delete", "chat_channel"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {}),
        WEB_EM_ONLY_POST,
    ),
    "chat-delivery-resend": Route(
        r("chat-delivery-resend", "chat_delivery"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {}),
        WEB_EM_ONLY_POST,
    ),
    "chat-settings": Route(
        r("chat-settings"),
        WEB_LOGGED_IN,
        ("POST", lambda fx: {"action": "identity", "slack_user_id": "U0MATRIX"}),
        same(302, 302, 302),
    ),
    "slack-command": Route(
        r("slack-command"), everyone(405), ("POST", lambda fx: {}), everyone(401)
    ),
    "slack-interaction": Route(
        r("slack-interaction"), everyone(405), ("POST", lambda fx: {}), everyone(401)
    ),
    "mattermost-command": Route(
        r("mattermost-command"), everyone(405), ("POST", lambda fx: {}), everyone(401)
    ),
    "api-chat-channels": Route(
        r("api-chat-channels", "team"),
        API_EM_ONLY,
        (
            "POST",
            lambda fx: {
                "kind": "mattermost",
                "name": "#x",
                "messages": ["digest"],
                "webhook_url": "http://127.0.0.1:9/h",
            },
        ),
        created(API_EM_ONLY),
    ),
    "api-chat-channel": Route(
        r("api-chat-channel", "chat_channel"),
        API_EM_ONLY,
        ("PATCH", lambda fx: {"name": "#z"}),
        API_EM_ONLY,
    ),
    "api-chat-deliveries": Route(r("api-chat-deliveries", "chat_channel"), API_EM_ONLY),
    "api-chat-redeliver": Route(
        r("api-chat-redeliver", "chat_delivery"),
        API_POST_ONLY,
        ("POST", lambda fx: {}),
        {role: 202 if code == 200 else code for role, code in API_EM_ONLY.items()},
    ),
    # --- Intake (issue 19): PLAT takes requests from everyone signed in ---
    "api-team-requests": Route(
        r("api-team-requests", "team"),
        API_LOGGED_IN,  # an outsider lists their own requests
        ("POST", lambda fx: {"title": "Help"}),
        same(401, 201, 201),
    ),
    "api-request": Route(
        r("api-request", "request"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"impact": "high"}),
        API_CONTRIB_WRITE,
    ),
    "api-request-triage": Route(
        r("api-request-triage", "request"),
        API_POST_ONLY,
        ("POST", lambda fx: {"action": "decline", "reason": "No"}),
        API_CONTRIB_WRITE,
    ),
    "api-team-rotation": Route(
        r("api-team-rotation", "team"),
        API_LOGGED_IN,
        ("PUT", lambda fx: {"members": ["dri"]}),
        API_EM_ONLY,
    ),
    "api-team-on-call": Route(r("api-team-on-call", "team"), API_LOGGED_IN),
    # Authenticated by the team's intake token only: every session or personal token is 401.
    "api-team-alerts": Route(
        r("api-team-alerts", "team"),
        everyone(405),
        ("POST", lambda fx: {"title": "Disk full", "fingerprint": "f1"}),
        everyone(401),
    ),
    # --- Goals and key results (initiatives.goals): the team's contributors write, its
    # viewers read; the key result's owner (the DRI) or an EM checks in; a contributor of the
    # initiative's team links it. Shared goals: test_shared_goals_are_read_only_to_their_teams.
    "goals-team": Route(r("goals-team", "team"), WEB_MEMBER_READ),
    "goal-create": Route(
        r("goal-create", "team"),
        WEB_CONTRIB_FORM,
        ("POST", lambda fx: GOAL_FORM),
        WEB_CONTRIB_POST,
    ),
    "goal-detail": Route(r("goal-detail", "goal"), WEB_MEMBER_READ),
    "goal-edit": Route(
        r("goal-edit", "goal"),
        WEB_CONTRIB_FORM,
        ("POST", lambda fx: {**GOAL_FORM, "title": "Renamed"}),
        WEB_CONTRIB_POST,
    ),
    "key-result-create": Route(
        r("key-result-create", "goal"),
        WEB_CONTRIB_FORM,
        ("POST", lambda fx: KR_FORM),
        WEB_CONTRIB_POST,
    ),
    "key-result-edit": Route(
        r("key-result-edit", "key_result"),
        WEB_CONTRIB_FORM,
        ("POST", lambda fx: {**KR_FORM, "title": "Renamed"}),
        WEB_CONTRIB_POST,
    ),
    "key-result-check-in": Route(
        r("key-result-check-in", "key_result"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"value": "5"}),
        WEB_OWNER_EM_POST,
    ),
    "key-result-link": Route(
        r("key-result-link", "key_result"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"initiative": fx["free_blocker"]}),
        WEB_CONTRIB_POST,
    ),
    "key-result-unlink": Route(
        r("key-result-unlink", "key_result"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"initiative": fx["key"]}),
        WEB_CONTRIB_POST,
    ),
    "api-team-goals": Route(
        r("api-team-goals", "team"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"title": "Another goal", "starts_on": TODAY.isoformat()}),
        created(API_CONTRIB_WRITE),
    ),
    "api-goal": Route(
        r("api-goal", "goal"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"title": "Renamed"}),
        API_CONTRIB_WRITE,
    ),
    "api-goal-key-results": Route(
        r("api-goal-key-results", "goal"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"title": "Faster installs", "baseline": 0, "target": 10}),
        created(API_CONTRIB_WRITE),
    ),
    "api-key-result": Route(
        r("api-key-result", "key_result"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"title": "Renamed"}),
        API_CONTRIB_WRITE,
    ),
    "api-key-result-check-ins": Route(
        r("api-key-result-check-ins", "key_result"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"value": 5}),
        created(API_OWNER_EM_WRITE),
    ),
    "intake-my-requests": Route(r("intake-my-requests"), WEB_LOGGED_IN),
    "intake-ask": Route(
        r("intake-ask", "team"),
        WEB_LOGGED_IN,
        ("POST", lambda fx: {"title": "Help", "category": "question", "impact": "low"}),
        same(302, 302, 302),
    ),
    "intake-request": Route(r("intake-request", "request"), WEB_MEMBER_READ),
    "intake-triage": Route(
        r("intake-triage", "request"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"action": "decline", "reason": "Not ours"}),
        WEB_CONTRIB_POST,
    ),
    "intake-answer": Route(
        r("intake-answer", "request"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"answer": "The deploy pipeline"}),
        by_role(302, 403, 403, 403, 403, 403, 404),  # only its requester answers
    ),
    "intake-queue": Route(r("intake-queue", "team"), WEB_MEMBER_READ),
    "intake-bulk": Route(
        r("intake-bulk", "team"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"action": "decline", "ids": [fx["request"]], "reason": "No"}),
        WEB_CONTRIB_POST,
    ),
    "intake-rota": Route(r("intake-rota", "team"), WEB_LOGGED_IN),
    "intake-rotation-edit": Route(
        r("intake-rotation-edit", "team"),
        WEB_POST_ONLY,
        (
            "POST",
            lambda fx: {
                "members": "dri",
                "handover_weekday": 0,
                "handover_time": "09:00",
                "triage_weekday": 1,
                "triage_time": "10:00",
                "open_to_all": "on",
            },
        ),
        by_role(302, 403, 403, 403, 302, 403, 404),
    ),
    "intake-override-add": Route(
        r("intake-override-add", "team"),
        WEB_POST_ONLY,
        (
            "POST",
            lambda fx: {
                "user": fx["people"]["dri"].pk,
                "starts_at": f"{NEXT_MONTH}T09:00",
                "ends_at": f"{NEXT_MONTH}T18:00",
            },
        ),
        by_role(302, 403, 403, 302, 302, 403, 404),  # the DRI covers; a manager assigns
    ),
    "intake-override-remove": Route(
        r("intake-override-remove", "team", "override"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {}),
        by_role(302, 403, 403, 302, 302, 403, 404),
    ),
    "intake-tokens": Route(
        r("intake-tokens", "team"),
        by_role(302, 403, 403, 403, 200, 403, 404),
        ("POST", lambda fx: {"name": "Alertmanager"}),
        by_role(302, 403, 403, 403, 201, 403, 404),
    ),
    "intake-token-revoke": Route(
        r("intake-token-revoke", "team", "intake_token"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {}),
        by_role(302, 403, 403, 403, 302, 403, 404),
    ),
    # --- Collaboration and notifications (the comment is the engineer's; the request asks
    # security; the notification is the engineer's) ---
    "comment-create": Route(
        r("comment-create", "key"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"body": "Hi"}),
        WEB_CONTRIB_POST,
    ),
    "initiative-follow": Route(
        r("initiative-follow", "key"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"following": "1"}),
        same(302, 302, 404),
    ),
    "mention-suggestions": Route(r("mention-suggestions", "key"), WEB_MEMBER_READ),
    "comment-edit": Route(
        r("comment-edit", "comment"),
        by_role(302, 403, 200, 403, 403, 403, 404),
        ("POST", lambda fx: {"body": "Edited"}),
        by_role(302, 403, 302, 403, 403, 403, 404),
    ),
    "comment-remove": Route(
        r("comment-remove", "comment"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {}),
        by_role(302, 403, 302, 403, 302, 403, 404),
    ),
    "comment-react": Route(
        r("comment-react", "comment"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"emoji": "+1"}),
        WEB_CONTRIB_POST,
    ),
    "update-react": Route(
        r("update-react", "update"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"emoji": "eyes"}),
        WEB_CONTRIB_POST,
    ),
    "signoff-request": Route(
        r("signoff-request", "signoff_item"),
        WEB_DRI_EM_FORM,
        ("POST", lambda fx: {"reviewer": fx["people"]["security"].pk}),
        WEB_DRI_EM_POST,
    ),
    "signoff-decline": Route(
        r("signoff-decline", "signoff_request"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"reason": "No"}),
        by_role(302, 403, 403, 403, 403, 302, 404),
    ),
    "inbox": Route(r("inbox"), WEB_LOGGED_IN),
    # --- Search, profile, shortcuts' targets, Markdown preview (issue 16): each person's own
    # view of what their teams hold; nothing to refuse a signed-in person.
    "search": Route(r("search"), WEB_LOGGED_IN),
    "profile": Route(
        r("profile"),
        WEB_LOGGED_IN,
        ("POST", lambda fx: {"time_zone": "Europe/Berlin"}),
        same(302, 302, 302),
    ),
    "go-board": Route(r("go-board"), same(302, 302, 302)),
    "go-new": Route(r("go-new"), same(302, 302, 302)),
    "markdown-preview": Route(
        r("markdown-preview"),
        WEB_POST_ONLY,
        ("POST", lambda fx: {"text": "**x**"}),
        same(302, 200, 200),
    ),
    "inbox-read": Route(
        r("inbox-read"), WEB_POST_ONLY, ("POST", lambda fx: {"all": "1"}), same(302, 302, 302)
    ),
    "inbox-open": Route(
        r("inbox-open", "notification"), by_role(302, 404, 302, 404, 404, 404, 404)
    ),
    "notification-preferences": Route(
        r("notification-preferences"),
        WEB_LOGGED_IN,
        ("POST", lambda fx: dict.fromkeys(Kind.values, "both")),
        same(302, 302, 302),
    ),
    "notifications-unsubscribe": Route(
        r("notifications-unsubscribe", "notification_unsubscribe"),
        everyone(200),
        ("POST", lambda fx: {}),
        everyone(200),
    ),
    "api-initiative-comments": Route(
        r("api-initiative-comments", "key"),
        API_MEMBER_READ,
        ("POST", lambda fx: {"body": "Hi"}),
        created(API_CONTRIB_WRITE),
    ),
    "api-initiative-follow": Route(
        r("api-initiative-follow", "key"),
        API_POST_ONLY,
        ("POST", lambda fx: {}),
        same(401, 200, 404),
    ),
    "api-comment": Route(
        r("api-comment", "comment"),
        API_MEMBER_READ,
        ("PATCH", lambda fx: {"body": "Edited"}),
        by_role(401, 403, 200, 403, 403, 403, 404),
    ),
    "api-comment-reactions": Route(
        r("api-comment-reactions", "comment"),
        API_POST_ONLY,
        ("POST", lambda fx: {"emoji": "+1"}),
        created(API_CONTRIB_WRITE),
    ),
    "api-signoff-requests": Route(
        r("api-signoff-requests", "signoff_item"),
        API_POST_ONLY,
        ("POST", lambda fx: {"reviewer": "sec"}),
        created(API_DRI_EM_WRITE),
    ),
    "api-signoff-request-decline": Route(
        r("api-signoff-request-decline", "signoff_request"),
        API_POST_ONLY,
        ("POST", lambda fx: {"reason": "No"}),
        by_role(401, 403, 403, 403, 403, 200, 404),
    ),
    "api-notifications": Route(r("api-notifications"), API_LOGGED_IN),
    "api-search": Route(r("api-search"), API_LOGGED_IN),
    "api-notifications-read": Route(
        r("api-notifications-read"),
        API_POST_ONLY,
        ("POST", lambda fx: {"all": True}),
        same(401, 200, 200),
    ),
    "api-notification-preferences": Route(
        r("api-notification-preferences"),
        API_LOGGED_IN,
        ("PATCH", lambda fx: {"following": "off"}),
        same(401, 200, 200),
    ),
}


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def world(team, people, initiative) -> dict[str, Any]:
    dri, em = people["dri"], people["em"]
    services.initiative_person_add(
        initiative=initiative, actor=dri, user=people["engineer"], kind="member"
    )
    milestone = make_milestone(initiative, dri)
    task = services.task_create(initiative=initiative, actor=dri, title="Scope it")
    item = ChecklistItem.objects.filter(
        initiative=initiative, status="open", signoff_role="", rule="", evidence=""
    ).first()
    done_item = (
        ChecklistItem.objects.filter(
            initiative=initiative, status="open", signoff_role="", rule="", evidence=""
        )
        .exclude(pk=item.pk)
        .first()
    )
    services.checklist_item_tick(item=done_item, actor=dri)
    endpoint = webhook_endpoint_create(
        team=team, actor=em, url="http://127.0.0.1:9/hook", events=["initiative.transitioned"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="initiative.transitioned", payload={"x": 1}
    )
    chat_channel = chat_channel_create(
        team=team, actor=em, kind="slack", name="#status", webhook_url="http://127.0.0.1:9/c",
        messages=["digest"],
    )  # fmt: skip
    chat_delivery = ChatDelivery.objects.create(
        channel=chat_channel, kind="digest", week="2026-W47", payload={"text": "x"}, status="sent"
    )
    ask = intake_services.request_create(team=team, actor=people["legal"], title="Faster CI")
    override = intake_rotation.override_add(
        team=team, actor=em, user=dri, starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip
    intake_token = intake_alerts.intake_token_create(team=team, actor=em, name="AM")[0]
    # Collaboration: the engineer's comment naming them (a notification), a sign-off request
    # of the DoR's security review, the DoD's security approval to ask for, an update.
    comment = collab.comment_create(initiative=initiative, actor=people["engineer"], body="Q?")
    collab.comment_create(initiative=initiative, actor=dri, body="@eng see")
    fanout.notify(ActivityEvent.objects.filter(verb="comment.created").latest("pk").pk)
    security_items = ChecklistItem.objects.filter(initiative=initiative, signoff_role="security")
    request = collab.signoff_request_create(
        item=security_items.get(kind="ready"), actor=dri, reviewer=people["security"]
    )
    update = services.status_update_post(  # last week's: this week's is posted by a route
        initiative=initiative,
        actor=dri,
        health=Health.ON_TRACK,
        week=shift_week(services.current_week(initiative), -1),
    )
    # Team policies: the initiative is blocked by one initiative; another is free to link.
    blocker = make_initiative(team, dri, title="Blocker")
    free = make_initiative(team, dri, title="Another blocker")
    link = dependency_add(initiative=initiative, actor=dri, blocker_key=blocker.key)
    # Goals: the team's goal, its key result owned by the DRI, which the initiative serves.
    goal = goals.goal_create(team=team, actor=em, title="Easy installs", starts_on=TODAY)
    key_result = goals.key_result_create(goal=goal, actor=em, title="Installs", owner=dri,
                                         target=10.0)  # fmt: skip
    goals.key_result_link(key_result=key_result, initiative=initiative, actor=dri)
    return {
        "goal": goal.pk,
        "key_result": key_result.pk,
        "initiative_pk": initiative.pk,
        "dependency": link.pk,
        "free_blocker": free.key,
        "chat_channel": chat_channel.pk,
        "chat_delivery": chat_delivery.pk,
        "request": ask.pk,
        "override": override.pk,
        "intake_token": intake_token.pk,
        "comment": comment.pk,
        "signoff_request": request.pk,
        "signoff_item": security_items.get(kind="done").pk,
        "update": update.pk,
        "notification": Notification.objects.get(recipient=people["engineer"]).pk,
        "notification_unsubscribe": notification_unsubscribe(people["em"].pk, Kind.MENTION),
        "people": people,
        "team": team.key,
        "key": initiative.key,
        "milestone": milestone.pk,
        "task": task.pk,
        "item": item.pk,
        "endpoint": endpoint.pk,
        "delivery": delivery.pk,
        "done_item": done_item.pk,
        "token": token_create(user=dri, name="ci")[0].pk,
        "unsubscribe": unsubscribe_token(team.pk, user_id=em.pk),
    }


def client_for(role: str, people) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def call(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> int:
    """One request whose writes are rolled back afterwards."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.generic(
                method, url, data=__import__("json").dumps(data or {}),
                content_type="application/json",
            )  # fmt: skip
        else:
            response = getattr(client, method.lower())(url, data or {})
        transaction.set_rollback(True)
    return response.status_code


def classified(name: str, pattern: str) -> bool:
    if name in ROUTES:
        return True
    return any(
        key == name
        or key == f"{name}:{pattern}"
        or (key.endswith(":*") and name.startswith(key[:-1]))
        for key in UNCHECKED
    )


def test_every_route_is_classified():
    routes = walk(get_resolver().url_patterns)
    missing = [f"{name} ({pattern})" for name, pattern in routes if not classified(name, pattern)]
    assert not missing, "Routes missing from the authorization matrix: " + ", ".join(missing)
    stale = sorted(set(ROUTES) - {name for name, _ in routes})
    assert not stale, f"Classified routes that no longer exist: {stale}"


def test_authorization_matrix(world, monkeypatch):
    monkeypatch.setattr("tracker.ops.check_broker", lambda: None)
    people = world["people"]
    clients = {role: client_for(role, people) for role in ROLES}
    wrong, checked = [], 0
    for name, route in ROUTES.items():
        url = route.url(world)
        if name == "logout":  # it ends the session: use throwaway clients
            clients = {role: client_for(role, people) for role in ROLES}
        for role in ROLES:
            status = call(clients[role], "GET", url)
            checked += 1
            if status != route.get[role]:
                wrong.append(f"GET {name} as {role}: {status}, expected {route.get[role]}")
            if route.write:
                method, body = route.write
                status = call(clients[role], method, url, body(world))
                checked += 1
                if status != route.write_expect[role]:
                    wrong.append(
                        f"{method} {name} as {role}: {status}, expected {route.write_expect[role]}"
                    )
        if name == "logout":
            clients = {role: client_for(role, people) for role in ROLES}
    print(f"authorization matrix: {len(ROUTES)} routes x {len(ROLES)} roles, {checked} requests")
    assert not wrong, "\n".join(wrong)


def test_admin_is_staff_only(client, people, admin_user):
    admin_urls = [reverse("admin:index"), reverse("admin:initiatives_initiative_changelist")]
    for role in ("viewer", "dri", "em", "outsider"):
        client.force_login(people[role])
        for url in admin_urls:
            response = client.get(url)
            assert response.status_code == 302, (role, url)
            assert response.url.startswith(reverse("admin:login")), (role, url)
    client.force_login(admin_user)
    for url in admin_urls:
        assert client.get(url).status_code == 200


# A goal shared with other teams: their members read it and link their own initiatives to its
# key results; every other write is refused (403: they can see the goal). A member of a team it
# is not shared with gets 404. Route -> (GET, write) for a member of the team it is shared with.
SHARED_GOAL: dict[str, tuple[int, int | None]] = {
    "goals-team": (200, None),  # the list of the team it is shared with (DATA)
    "goal-detail": (200, None),
    "goal-edit": (403, 403),
    "key-result-create": (403, 403),
    "key-result-edit": (403, 403),
    "key-result-check-in": (405, 403),
    "key-result-link": (405, 302),  # their own team's initiative
    "key-result-unlink": (405, 302),
    "api-team-goals": (200, None),
    "api-goal": (200, 403),
    "api-goal-key-results": (200, 403),
    "api-key-result": (200, 403),
    "api-key-result-check-ins": (200, 403),
}


def test_shared_goals_are_read_only_to_their_teams(world, people):
    """The matrix's goal shared with DATA, whose EM is the outsider; a member of a third team
    (OPS) is the stranger."""
    goal = Goal.objects.get(pk=world["goal"])
    key_result = goal.key_results.get()
    data = Team.objects.get(key="DATA")
    goals.goal_update(goal=goal, actor=people["em"], changes={"shared_with": [data]})
    theirs = make_initiative(data, people["outsider"], title="Data installer")
    other = make_initiative(data, people["outsider"], title="Data pipeline")
    goals.key_result_link(key_result=key_result, initiative=theirs, actor=people["outsider"])
    stranger = member(TeamFactory(key="OPS", name="Ops"), Role.EM, "stranger")
    fx = {**world, "team": data.key, "free_blocker": other.key, "key": theirs.key}
    shared, outside = client_for("outsider", people), Client()
    outside.force_login(stranger)
    wrong = []
    for name, (read, write) in SHARED_GOAL.items():
        route = ROUTES[name]
        url = route.url(fx)
        checks: list[tuple[str, dict[str, Any] | None, int]] = [("GET", None, read)]
        if route.write and write is not None:
            checks.append((route.write[0], route.write[1](fx), write))
        for method, body, expected in checks:
            status = call(shared, method, url, body)
            if status != expected:
                wrong.append(f"{method} {name} as a member of DATA: {status}, expected {expected}")
            expected = 405 if expected == 405 else 404
            status = call(outside, method, url, body)
            if status != expected:
                wrong.append(f"{method} {name} as a stranger: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)
    assert goal.title in shared.get(reverse("goals-team", args=[data.key])).content.decode()
    shared.post(reverse("key-result-link", args=[key_result.pk]), {"initiative": other.key})
    assert set(key_result.initiatives.values_list("pk", flat=True)) == {
        world["initiative_pk"],
        theirs.pk,
        other.pk,
    }
