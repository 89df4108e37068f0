"""Pages of the weekly cycle: the digest preview, a member's digest subscription, the EM's
email-only subscribers and the signed one-click unsubscribe link (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from initiatives.models import Team
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import ApplicationError, NotFound, ValidationFailed
from initiatives.rules.workflow import parse_iso_week, shift_week
from initiatives.weekly.digest import build_digest, digest_context, read_unsubscribe_token
from initiatives.weekly.schedule import upcoming_digest_week
from initiatives.weekly.selectors import digest_recipients, email_subscribers, receives_digest
from initiatives.weekly.services import (
    digest_subscriber_add,
    digest_subscriber_remove,
    digest_subscription_set,
    digest_unsubscribe,
)


def _member_team(request: HttpRequest, key: str) -> tuple[Team, perms.Actor]:
    """The team and the caller's standing in it; 404 for non-members (names do not leak)."""
    team = get_object_or_404(Team, key=key.upper())
    actor = perms.actor_for(request.user, team)
    if not actor.is_member:
        raise Http404("Not found.")
    return team, actor


@login_required
def digest_preview(request: HttpRequest, key: str) -> HttpResponse:
    team, actor = _member_team(request, key)
    week = request.GET.get("week") or upcoming_digest_week(team, timezone.now())
    try:
        parse_iso_week(week)
    except ValidationFailed:
        messages.error(request, f"Not an ISO week: {week!r}. Weeks are written like 2026-W47.")
        week = upcoming_digest_week(team, timezone.now())
    digest = build_digest(team, week)
    context = digest_context(digest)
    context.update(
        previous_week=shift_week(week, -1),
        next_week=shift_week(week, 1),
        receives=receives_digest(team.pk, request.user),
        is_em=actor.is_em,
    )
    return render(request, "weekly/digest_preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def digest_subscription(request: HttpRequest, key: str) -> HttpResponse:
    team, actor = _member_team(request, key)
    if request.method == "POST":
        active = request.POST.get("action") == "subscribe"
        digest_subscription_set(team=team, actor=request.user, active=active)
        messages.success(
            request,
            f"You will receive the {team.key} digest."
            if active
            else f"You will no longer receive the {team.key} digest.",
        )
        return redirect("weekly-subscription", key=team.key)
    return render(
        request,
        "weekly/subscription.html",
        {"team": team, "receives": receives_digest(team.pk, request.user), "is_em": actor.is_em},
    )


@login_required
@require_http_methods(["GET", "POST"])
def digest_subscribers(request: HttpRequest, key: str) -> HttpResponse:
    team, actor = _member_team(request, key)
    if not actor.is_em:
        return render(
            request,
            "weekly/forbidden.html",
            {"team": team, "message": "Only an engineering manager can manage subscribers."},
            status=403,
        )
    errors: dict[str, list[str]] = {}
    form = {"email": "", "label": ""}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                digest_subscriber_remove(
                    team=team, actor=request.user, subscription_id=int(request.POST.get("id", 0))
                )
                messages.success(request, "Subscriber removed.")
            else:
                form = {k: request.POST.get(k, "") for k in form}
                added = digest_subscriber_add(team=team, actor=request.user, **form)
                messages.success(request, f"{added.email} will receive the {team.key} digest.")
            return redirect("weekly-subscribers", key=team.key)
        except ValidationFailed as error:
            errors = error.fields
        except (ApplicationError, ValueError) as error:
            messages.error(request, getattr(error, "message", "That subscriber does not exist."))
    return render(
        request,
        "weekly/subscribers.html",
        {
            "team": team,
            "recipients": digest_recipients(team.pk),
            "subscribers": email_subscribers(team.pk),
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# Mail clients POST here without a CSRF token (RFC 8058 one-click); the signed token is the
# credential. A GET only asks for confirmation, so link scanners cannot unsubscribe anyone.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            team, who = digest_unsubscribe(token=token)
        except NotFound:
            raise Http404("This unsubscribe link is not valid.") from None
        return render(request, "weekly/unsubscribed.html", {"team": team, "who": who})
    try:
        payload = read_unsubscribe_token(token)
        team = Team.objects.get(pk=payload["t"])
    except Exception:
        raise Http404("This unsubscribe link is not valid.") from None
    return render(request, "weekly/unsubscribe.html", {"team": team, "token": token})
