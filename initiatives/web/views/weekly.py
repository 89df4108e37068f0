"""Pages of the weekly cycle: the digest preview, a member's digest subscription, the EM's
email-only subscribers and the signed one-click unsubscribe link (no login)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from initiatives.models import Team
from initiatives.rules import permissions as perms
from initiatives.rules.workflow import shift_week
from initiatives.web import params
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt
from initiatives.weekly.digest import build_digest, digest_context, unsubscribe_link
from initiatives.weekly.schedule import last_ended_week
from initiatives.weekly.selectors import digest_recipients, email_subscribers, receives_digest
from initiatives.weekly.services import (
    digest_subscriber_add,
    digest_subscriber_remove,
    digest_subscription_set,
    digest_unsubscribe,
)


class SubscriberForm(forms.Form):
    """The EM's "add a subscriber" form. The service checks the address (``attempt`` puts
    what it says onto the fields)."""

    email = forms.CharField(required=False)
    label = forms.CharField(required=False)


def _member_team(request: AuthenticatedHttpRequest, key: str) -> tuple[Team, perms.Actor]:
    """The team and the caller's standing in it; 404 for non-members (names do not leak)."""
    team = get_object_or_404(Team, key=key.upper())
    actor = perms.actor_for(request.user, team)
    if not actor.is_member:
        raise Http404("Not found.")
    return team, actor


@login_required
def digest_preview(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """The digest of ``?week=`` (default: the last week that has ended) as it was sent. A week
    that is not one, has not ended or predates the team is refused with a message (400)."""
    team, actor = _member_team(request, key)
    now = timezone.now()
    latest = last_ended_week(team, now)
    week = params.iso_week(request.GET, "week") or latest
    built = attempt(request, build_digest, team=team, week=week, now=now)
    context: dict[str, Any] = {"team": team, "week": week, "latest_week": latest}
    if built.ok:
        context.update(digest_context(built.value))
        context.update(
            previous_week=shift_week(week, -1),
            next_week=shift_week(week, 1) if week < latest else None,
        )
    context.update(receives=receives_digest(team.pk, request.user), is_em=actor.is_em)
    # Not asking for a week is not bad input: a team too new for a digest is told so (200).
    status = 200 if built.ok or not request.GET.get("week") else 400
    return render(request, "weekly/digest_preview.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def digest_subscription(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team, actor = _member_team(request, key)
    if request.method == "POST":
        active = request.POST.get("action") == "subscribe"
        outcome = attempt(
            request, digest_subscription_set, team=team, actor=request.user, active=active
        )
        if outcome.ok:
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


def _posted_id(request: HttpRequest) -> int:
    """The posted ``id``; 0 (no such row) for anything but a number."""
    value = request.POST.get("id", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


@login_required
@require_http_methods(["GET", "POST"])
def digest_subscribers(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team, actor = _member_team(request, key)
    if not actor.is_em:
        return render(
            request,
            "weekly/forbidden.html",
            {"team": team, "message": "Only an engineering manager can manage subscribers."},
            status=403,
        )
    form = SubscriberForm()
    if request.method == "POST" and request.POST.get("action") == "remove":
        removed = attempt(
            request,
            digest_subscriber_remove,
            team=team,
            actor=request.user,
            subscription_id=_posted_id(request),
        )
        if removed.ok:
            messages.success(request, "Subscriber removed.")
        return redirect("weekly-subscribers", key=team.key)
    if request.method == "POST":
        form = SubscriberForm(request.POST)
        form.is_valid()  # two optional text fields: always valid; the service decides
        added = attempt(
            request,
            digest_subscriber_add,
            form=form,
            team=team,
            actor=request.user,
            email=form.cleaned_data["email"],
            label=form.cleaned_data["label"],
        )
        if added.ok:
            messages.success(request, f"{added.value.email} will receive the {team.key} digest.")
            return redirect("weekly-subscribers", key=team.key)
    return render(
        request,
        "weekly/subscribers.html",
        {
            "team": team,
            "recipients": digest_recipients(team.pk),
            "subscribers": email_subscribers(team.pk),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


# Mail clients POST here without a CSRF token (RFC 8058 one-click); the signed token is the
# credential. A GET only asks for confirmation, so link scanners cannot unsubscribe anyone.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        outcome = attempt(request, digest_unsubscribe, token=token)  # a bad link: 404
        if outcome.ok:
            team, who = outcome.value
            return render(request, "weekly/unsubscribed.html", {"team": team, "who": who})
    link = unsubscribe_link(token)
    if link is None:
        raise Http404("This unsubscribe link is not valid.")
    return render(request, "weekly/unsubscribe.html", {"team": link[0], "token": token})
