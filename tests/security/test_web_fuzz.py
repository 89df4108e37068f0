"""Fuzzing the web UI: every GET route of the site (found in the URL resolver, the API and the
admin excepted: schemathesis covers the API, tests/api/test_schemathesis.py) is requested with
hostile values in each path segment and in each query parameter its view reads, signed in as a
member of the team and anonymously. No answer may be a 5xx; a value that cannot be used is a
400 (a query value) or a 404 (a path segment), and a value a view ignores changes nothing.

The table is deterministic (every value on every parameter) so that a run is fast and a
failure names its request."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from initiatives import services
from initiatives.chat.models import ChatChannel, ChatDelivery
from initiatives.collab import services as collab
from initiatives.dashboard.summary import TABLE_FILTERS
from initiatives.goals import services as goals
from initiatives.intake import alerts as intake_alerts
from initiatives.intake import rotation as intake_rotation
from initiatives.intake import services as intake_services
from initiatives.models import ActivityEvent, ChecklistItem
from initiatives.notifications import fanout
from initiatives.notifications.models import Notification
from initiatives.notifications.services import unsubscribe_token as notification_unsubscribe
from initiatives.policies.services import dependency_add
from initiatives.tokens.services import token_create
from initiatives.weekly.digest import unsubscribe_token
from tests.factories import make_initiative, make_milestone

# Hostile values, each sent percent-encoded as UTF-8 (``RAW`` ones are sent as written).
HOSTILE = {
    "NUL": "\x00",
    "NUL inside": "PLAT\x00-1",
    "superscript two": "²",
    "Arabic-Indic digit": "٣",
    "fullwidth digits": "\uff11\uff12",
    "5,000 digits": "9" * 5000,
    "past 64 bits": "9223372036854775808",
    "negative": "-1",
    "zero": "0",
    "decimal": "1.5",
    "exponent": "1e9",
    "spaces": " 1 ",
    "week past year 9998": "9999-W52",
    "week of year 1": "0001-W01",
    "week 54": "2026-W54",
    "key with superscript": "PLAT-²",
    "very long": "x" * 20_000,
    "unicode": "Ωmega ñ 😀 \u202etxet\u200b",
    "control characters": "\x01\x1f\x7f",
    "header injection": "a\r\nSet-Cookie: x=1",
    "SQL": "' OR '1'='1' --",
    "SQL statement": "1; DROP TABLE initiatives_initiative; --",
    "path traversal": "../../etc/passwd",
    "percent": "%",
    "markup": "<script>alert(1)</script>",
    "template": "{{ 7*7 }}",
    "off-site URL": "https://evil.invalid/",
    "scheme-relative URL": "//evil.invalid/",
    "empty": "",
}
RAW = {"invalid UTF-8": "%ff%fe%fd", "encoded NUL twice": "%2500"}

# The query parameters each view reads (kept complete by test_every_read_parameter_is_fuzzed).
QUERY = {
    "my-work": ["section", "page"],
    "team-detail": ["state", "health", "sort", "dri", "q", "page", "view"],
    "team-initiatives-csv": ["state", "health", "sort", "dri", "q"],
    "initiative-detail": ["updates", "activity", "about"],
    "initiative-evidence": ["download"],
    "task-create": ["milestone"],
    "dashboard": list(TABLE_FILTERS),
    "team-dashboard": list(TABLE_FILTERS),
    "dashboard-csv": list(TABLE_FILTERS),
    "team-dashboard-csv": list(TABLE_FILTERS),
    "weekly-digest-preview": ["week"],
    "login": ["next"],
    "chat-preview": ["kind"],
    "intake-queue": ["category", "snoozed"],
    "intake-my-requests": ["page"],
    "inbox": ["filter", "page"],
    "mention-suggestions": ["q"],
    "search": ["q"],
    "go-board": ["team"],
    "go-new": ["team"],
}
# Parameters read as a number or a week: any value that is not one is refused (400). The
# others are free text or a choice, and a value they do not know is ignored (the dashboards'
# ``dri`` matches no one).
TYPED = {
    ("team-detail", "dri"),
    ("team-initiatives-csv", "dri"),
    ("initiative-detail", "activity"),
    ("weekly-digest-preview", "week"),
    ("intake-my-requests", "page"),
    ("inbox", "page"),
}
# Also sent to every route: a parameter no view reads is ignored.
UNKNOWN = "zz"
# Django refuses (400) a redirect longer than this, e.g. to the sign-in page.
MAX_REDIRECT = 16_000
# Routes that answer without signing in.
PUBLIC = {
    # Single sign-on's start and callback answer anonymous callers (404 while SSO is off).
    "sso-start",
    "sso-callback",
    "ops-healthz",
    "ops-readyz",
    "ops-metrics",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "weekly-unsubscribe",
    # Single sign-on's start and callback (404 while it is not configured).
    "notifications-unsubscribe",
}
VIEWS = Path(__file__).resolve().parents[2] / "initiatives" / "web" / "views"


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # "teams/<team:key>/digest/"

    @property
    def segments(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.template)

    def path(self, values: dict[str, str]) -> str:
        """The path with ``values`` written into its segments (percent-encoded)."""

        def fill(segment: re.Match[str]) -> str:
            return encoded(values[segment.group(1)])

        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, self.template)


def site_routes() -> list[Route]:
    """Every named route of the site, outside the API and the admin."""
    found: list[Route] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route not in ("api/", "admin/"):
                    walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append(Route(entry.name, prefix + route))

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = site_routes()
# Requests sent, by route (reported at the end of the module's run; see ``report``).
SENT: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def report(request):
    """How much was sent, on the terminal of a run without xdist."""
    yield
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if terminal is not None and capture is not None and SENT:
        with capture.global_and_fixture_disabled():
            terminal.write_line(
                f"\nweb fuzz: {sum(SENT.values())} requests over {len(SENT)} routes "
                f"({len(HOSTILE) + len(RAW)} hostile values)"
            )


@pytest.fixture
def world(team, people):
    """An object behind every path segment, and the valid value of each."""
    dri = people["dri"]
    initiative = make_initiative(team, dri, stakeholders=[people["em"]])
    milestone = make_milestone(initiative, dri)
    task = services.task_create(initiative=initiative, actor=dri, title="Spike")
    item = ChecklistItem.objects.filter(initiative=initiative)[0]
    token, _ = token_create(user=dri, name="fuzz")
    channel = ChatChannel.objects.create(
        team=team, kind="slack", name="#fuzz", webhook_url_encrypted="x", webhook_hint="x"
    )
    chat_delivery = ChatDelivery.objects.create(channel=channel, kind="digest", payload={})
    ask = intake_services.request_create(team=team, actor=people["legal"], title="Faster CI")
    override = intake_rotation.override_add(
        team=team, actor=people["em"], user=dri, starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip
    intake_token = intake_alerts.intake_token_create(team=team, actor=people["em"], name="AM")
    # Collaboration: a comment of the DRI's, an update, a sign-off request, a notification.
    comment = collab.comment_create(initiative=initiative, actor=dri, body="@em hello")
    fanout.notify(ActivityEvent.objects.filter(verb="comment.created").latest("pk").pk)
    update = services.status_update_post(initiative=initiative, actor=dri, health="on_track")
    review = ChecklistItem.objects.filter(initiative=initiative, signoff_role="security")[0]
    request = collab.signoff_request_create(item=review, actor=dri, reviewer=people["security"])
    # Team policies: the initiative is blocked by another one (a link to remove).
    blocker = make_initiative(team, dri, title="Blocker")
    link = dependency_add(initiative=initiative, actor=dri, blocker_key=blocker.key)
    # Goals: a goal of the team with a key result the initiative serves (a link to remove).
    goal = goals.goal_create(team=team, actor=dri, title="Easy installs", starts_on=dt.date.today())
    key_result = goals.key_result_create(goal=goal, actor=dri, title="Installs", target=10.0)
    goals.key_result_link(key_result=key_result, initiative=initiative, actor=dri)
    ids = {
        # "goals/<pk>/key-results/new/" takes the goal: "goals/" comes before "key-results/".
        "goals/": goal.pk,
        "key-results/": key_result.pk,
        "blocked-by/": link.pk,
        "chat/channels/": channel.pk,
        "chat/deliveries/": chat_delivery.pk,
        "requests/": ask.pk,
        "on-call/overrides/": override.pk,
        "intake-tokens/": intake_token[0].pk,
        "milestones/": milestone.pk,
        "tasks/": task.pk,
        "checklist-items/": item.pk,
        "settings/tokens/": token.pk,
        "comments/": comment.pk,
        "updates/": update.pk,
        "signoff-requests/": request.pk,
        "inbox/": Notification.objects.filter(recipient=people["em"]).get().pk,
    }
    return {"user": dri, "initiative": initiative, "ids": ids, "team": team}


def valid_values(route: Route, world) -> dict[str, str]:
    values = {}
    for name in route.segments:
        if name in ("team_key", "key") and "<team:" in route.template:
            values[name] = world["team"].key
        elif name == "key":
            values[name] = world["initiative"].key
        elif name == "pk":
            values[name] = str(next(v for p, v in world["ids"].items() if p in route.template))
        elif name == "token" and "notifications/" in route.template:
            values[name] = notification_unsubscribe(world["user"].pk, "mention")
        elif name == "token":
            values[name] = unsubscribe_token(world["team"].pk, user_id=world["user"].pk)
        else:  # the password reset link's uidb64 and token: any string reaches the view
            values[name] = "MQ"
    return values


def get(client: Client, path: str, query: str = ""):
    return client.get(path, QUERY_STRING=query)


def leaves_site(response) -> bool:
    location = response.get("Location", "")
    parts = urlsplit(location)
    return bool(parts.netloc) or location.startswith("//") or location.startswith("/\\")


def encoded(value: str) -> str:
    return value if value in RAW.values() else quote(value, safe="")


def path_expectation(route: Route, signed_in: bool) -> set[int]:
    if route.name == "password_reset_confirm":  # free-form segments, read by the view
        return {200, 302, 400, 404}
    if not signed_in:  # a value the converter takes is sent to sign in first
        return {302, 400, 404}
    return {400, 404}


def query_expectation(
    route: Route, name: str, value: str, signed_in: bool, baseline: int
) -> set[int]:
    refused = "\x00" in value or (signed_in and (route.name, name) in TYPED and value != "")
    # Django refuses (400) to redirect to the sign-in page at such a length.
    too_long = not signed_in and route.name not in PUBLIC and len(encoded(value)) > MAX_REDIRECT
    return {400} if refused or too_long else {baseline}


def run(route: Route, client: Client, world, signed_in: bool) -> tuple[int, list[str]]:
    """Sends every hostile request of ``route``; returns (requests sent, failures)."""
    failures: list[str] = []
    sent = 0
    values = valid_values(route, world)
    base = route.path(values)
    baseline = get(client, base)
    sent += 1
    who = "member" if signed_in else "anonymous"
    if baseline.status_code >= 500:
        failures.append(f"{who} GET {base}: {baseline.status_code}")
    if baseline.status_code == 405:
        return sent, failures  # POST only: the path segments are still fuzzed below
    # Hostile values in each path segment: refused by the URL's converter (404), a NUL by the
    # request check (400); the reset link's free-form segments reach their view (no 5xx).
    for segment in route.segments:
        for label, value in {**HOSTILE, **RAW}.items():
            path = route.path({**values, segment: value})
            response = get(client, path)
            sent += 1
            expected = path_expectation(route, signed_in)
            if response.status_code not in expected:
                failures.append(f"{who} GET {path[:120]} ({label}): {response.status_code}")
    # Hostile values in each query parameter the view reads, and in one it does not.
    for name in [*QUERY.get(route.name, []), UNKNOWN]:
        for label, value in {**HOSTILE, **RAW}.items():
            query = f"{name}={encoded(value)}"
            response = get(client, base, query)
            sent += 1
            status = response.status_code
            expected = query_expectation(route, name, value, signed_in, baseline.status_code)
            if status not in expected:
                failures.append(f"{who} GET {base}?{name}= ({label}): {status}, not {expected}")
            if leaves_site(response):
                failures.append(f"{who} GET {base}?{name}= ({label}) redirects off-site")
    return sent, failures


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_no_hostile_value_answers_5xx(route, world, client):
    """Signed in as a member of the team, then anonymously: every request answers as listed
    in ``run`` (never 5xx)."""
    client.force_login(world["user"])
    sent, failures = run(route, client, world, signed_in=True)
    client.logout()
    more, anonymous_failures = run(route, client, world, signed_in=False)
    SENT[route.name] = sent + more
    assert not failures + anonymous_failures, "\n".join(failures + anonymous_failures)


def test_every_route_and_read_parameter_is_fuzzed():
    """The table stays complete: the resolver still finds the site's pages, and every query
    parameter a web view reads (``request.GET.get("x")``, ``params.*(request.GET, "x")``) is
    fuzzed on some route."""
    names = {route.name for route in ROUTES}
    assert {"my-work", "team-detail", "initiative-detail", "dashboard", "login"} <= names
    assert not {name for name in names if name.startswith("api-v1")}
    assert set(QUERY) <= names
    source = "\n".join(p.read_text() for p in VIEWS.glob("*.py"))
    read = set(re.findall(r'request\.GET(?:\.get\(|\[|, )"(\w+)"', source))
    fuzzed = {name for names_ in QUERY.values() for name in names_}
    assert read, "no query parameter found: the pattern above no longer matches the views"
    assert read <= fuzzed, f"not fuzzed: {sorted(read - fuzzed)}"


def test_digest_week_names_the_parameter(world, client):
    """A refused value says which parameter and why (the 400 page)."""
    client.force_login(world["user"])
    url = reverse("weekly-digest-preview", kwargs={"key": world["team"].key})
    response = client.get(url, {"week": "9999-W52"})
    assert response.status_code == 400
    assert "week" in response.content.decode()
