"""Chat pages: a team's channels (its EM connects, edits, re-sends, removes), a channel's
delivery log with the reason it was disabled, a preview of each message, and one's own chat
settings (Slack member id, Mattermost username, the cross-team digest). The services' errors
reach the pages through ``base.attempt``."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from initiatives.chat import messages as chat_messages
from initiatives.chat import selectors as reads
from initiatives.chat import services as chat
from initiatives.chat.format import slack_limit_errors, slack_mrkdwn_html
from initiatives.chat.models import (
    CHAT_MESSAGES,
    ChatChannel,
    ChatDelivery,
    ChatKind,
    CrossTeamDigest,
)
from initiatives.models import Team, Weekday
from initiatives.rules import permissions as perms
from initiatives.rules.exceptions import ValidationFailed
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt
from initiatives.weekly.digest import build_digest
from initiatives.weekly.schedule import last_ended_week, local_week

MESSAGE_CHOICES = list(CHAT_MESSAGES.items())


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(choices=ChatKind.choices, label="Chat")
    name = forms.CharField(max_length=80, help_text="As people know it, e.g. #cloud-status.")
    webhook_url = forms.CharField(
        label="Incoming-webhook URL",
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again.",
    )
    messages = forms.MultipleChoiceField(
        choices=MESSAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label="Send to this channel",
    )
    red_yellow_only = forms.BooleanField(
        required=False, label="Weekly updates: only those at risk or off track"
    )


class ChannelEditForm(ChannelForm):
    active = forms.BooleanField(required=False, label="Enabled")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
        url = self.fields["webhook_url"]
        url.required = False
        url.help_text = "Leave empty to keep the stored URL; a new one replaces it."


class IdentityForm(forms.Form):
    slack_user_id = forms.CharField(
        required=False,
        max_length=32,
        label="Slack member id",
        help_text="In Slack: your profile → ⋮ → Copy member ID (e.g. U012AB3CD).",
    )
    mattermost_username = forms.CharField(
        required=False, max_length=64, label="Mattermost username", help_text="Without the @."
    )


class CrossTeamForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), widget=forms.CheckboxSelectMultiple, label="Teams"
    )
    by_email = forms.BooleanField(required=False, label="By email")
    replace_team_digests = forms.BooleanField(
        required=False,
        initial=True,
        label="Instead of these teams' own digest emails (unsubscribes you from them)",
    )
    channel_kind = forms.ChoiceField(
        choices=[("", "No channel"), *ChatKind.choices], required=False, label="In a channel"
    )
    channel_name = forms.CharField(required=False, max_length=80, label="Channel name")
    webhook_url = forms.CharField(
        required=False,
        max_length=500,
        label="Incoming-webhook URL",
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted, never shown again; leave empty to keep the stored one.",
    )
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, initial=0)
    at = forms.TimeField(
        initial="09:00", label="At", widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_zone = forms.CharField(max_length=64, initial="UTC", label="Time zone")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = Team.objects.filter(memberships__user=user).order_by("key")


def _forbidden(request: AuthenticatedHttpRequest, team: Team) -> HttpResponse:
    return render(
        request,
        "chat/forbidden.html",
        {"team": team, "message": "Only an engineering manager can manage the team's channels."},
        status=403,
    )


def _is_em(request: AuthenticatedHttpRequest, team: Team) -> bool:
    return perms.actor_for(request.user, team).is_em


def _member_team(request: AuthenticatedHttpRequest, key: str) -> Team:
    team = get_object_or_404(Team, key=key.upper())
    if not perms.actor_for(request.user, team).is_member:
        raise Http404("Not found.")
    return team


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def team_channels(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    team = _member_team(request, key)
    if not _is_em(request, team):
        return _forbidden(request, team)
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request,
            chat.chat_channel_create,
            form=form,
            team=team,
            actor=request.user,
            **form.cleaned_data,
        )
        if outcome.ok:
            messages.success(request, f"Connected {outcome.value.name}.")
            return redirect("chat-channels", key=team.key)
    return render(
        request,
        "chat/channels.html",
        {
            "team": team,
            "channels": list(reads.team_channels(team.pk)),
            "form": form,
            "labels": CHAT_MESSAGES,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def channel_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    channel = _member_channel(request, pk)
    assert channel.team is not None
    if not _is_em(request, channel.team):
        return _forbidden(request, channel.team)
    initial = {
        "name": channel.name,
        "messages": channel.messages,
        "red_yellow_only": channel.red_yellow_only,
        "active": channel.active,
    }
    form = ChannelEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if not changes["webhook_url"]:
            del changes["webhook_url"]
        outcome = attempt(
            request,
            chat.chat_channel_update,
            form=form,
            channel=channel,
            actor=request.user,
            changes=changes,
        )
        if outcome.ok:
            messages.success(request, f"Saved {outcome.value.name}.")
            return redirect("chat-channel", pk=channel.pk)
    return render(
        request,
        "chat/channel.html",
        {
            "channel": channel,
            "team": channel.team,
            "form": form,
            "deliveries": reads.channel_deliveries(channel),
        },
        status=400 if form.errors else 200,
    )


def _member_channel(request: AuthenticatedHttpRequest, pk: int) -> ChatChannel:
    channel = (
        ChatChannel.objects.select_related("team")
        .filter(pk=pk, team__memberships__user=request.user)
        .first()
    )
    if channel is None:
        raise Http404("Not found.")
    return channel


@login_required
@require_POST
def channel_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    channel = _member_channel(request, pk)
    assert channel.team is not None
    outcome = attempt(request, chat.chat_channel_delete, channel=channel, actor=request.user)
    if outcome.ok:
        messages.success(request, f"Removed {channel.name}.")
    return redirect("chat-channels", key=channel.team.key)


@login_required
@require_POST
def delivery_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    delivery = (
        ChatDelivery.objects.select_related("channel__team")
        .filter(pk=pk, channel__team__memberships__user=request.user)
        .first()
    )
    if delivery is None or delivery.channel is None:
        raise Http404("Not found.")
    outcome = attempt(request, chat.chat_delivery_resend, delivery=delivery, actor=request.user)
    if outcome.ok:
        messages.success(request, "Queued to be sent again.")
    return redirect("chat-channel", pk=delivery.channel.pk)


def _rendered_blocks(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload's blocks as Slack would show them: each text as safe HTML."""
    rendered = []
    for block in payload.get("blocks", []):
        texts = [block["text"]] if "text" in block else block.get("elements", [])
        body = "".join(
            html.escape(t["text"])
            if t.get("type") == "plain_text"
            else slack_mrkdwn_html(t["text"])
            for t in texts
        )
        # Safe: every character of it went through html.escape (here or in slack_mrkdwn_html).
        rendered.append({"type": block.get("type"), "html": mark_safe(body)})
    return rendered


@never_cache
@login_required
def message_preview(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """The reminder and the digest as they would be posted now (``?kind=slack|mattermost``):
    the payload, Slack's limits checked, and a rendering of the blocks."""
    team = _member_team(request, key)
    kind = request.GET.get("kind", ChatKind.SLACK)
    if kind not in ChatKind.values:
        kind = ChatKind.SLACK
    now = timezone.now()
    reminder = chat_messages.reminder_message(kind, team, local_week(team, now))
    try:
        digest = chat_messages.digest_message(
            kind, build_digest(team, last_ended_week(team, now), now=now)
        )
    except ValidationFailed as refusal:
        digest, digest_note = None, refusal.message
    else:
        digest_note = ""
    previews = []
    for title, message in (("Reminder", reminder), ("Digest", digest)):
        payload = message.payload() if message else None
        slack = bool(payload) and kind == ChatKind.SLACK
        previews.append(
            {
                "title": title,
                "payload": payload,
                "errors": slack_limit_errors(payload) if payload and slack else [],
                "blocks": _rendered_blocks(payload) if payload and slack else [],
                # Mattermost breaks lines where the text does; CommonMark needs a hard break.
                "attachments": [
                    {**a, "text": a.get("text", "").replace("\n", "  \n")}
                    for a in (payload or {}).get("attachments", [])
                ],
            }
        )
    return render(
        request,
        "chat/preview.html",
        {"team": team, "kind": kind, "previews": previews, "digest_note": digest_note},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def chat_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    identity = reads.identity_of(request.user)
    subscription = (
        CrossTeamDigest.objects.filter(user=request.user).select_related("channel").first()
    )
    action = request.POST.get("action", "")
    identity_form = IdentityForm(
        request.POST if action == "identity" else None,
        initial={
            "slack_user_id": identity.slack_user_id if identity else "",
            "mattermost_username": identity.mattermost_username if identity else "",
        },
    )
    cross_initial: dict[str, Any] = {}
    if subscription is not None:
        cross_initial = {
            "teams": list(subscription.teams.all()),
            "by_email": subscription.by_email,
            "channel_kind": subscription.channel.kind if subscription.channel else "",
            "channel_name": subscription.channel.name if subscription.channel else "",
            "weekday": subscription.weekday,
            "at": subscription.at,
            "time_zone": subscription.time_zone,
        }
    cross_form = CrossTeamForm(
        request.POST if action == "cross_team" else None, user=request.user, initial=cross_initial
    )
    if action == "identity" and identity_form.is_valid():
        outcome = attempt(
            request,
            chat.chat_identity_set,
            form=identity_form,
            user=request.user,
            **identity_form.cleaned_data,
        )
        if outcome.ok:
            messages.success(request, "Your chat handles are saved.")
            return redirect("chat-settings")
    if action == "cross_team" and cross_form.is_valid():
        subscribed = attempt(
            request,
            chat.cross_team_digest_set,
            form=cross_form,
            user=request.user,
            **cross_form.cleaned_data,
        )
        if subscribed.ok:
            messages.success(request, "Your cross-team digest is set.")
            return redirect("chat-settings")
    if action == "cross_team_cancel":
        if attempt(request, chat.cross_team_digest_cancel, user=request.user).ok:
            messages.success(request, "Your cross-team digest is cancelled.")
        return redirect("chat-settings")
    invalid = identity_form.errors or cross_form.errors
    return render(
        request,
        "chat/settings.html",
        {
            "identity_form": identity_form,
            "cross_form": cross_form,
            "subscription": subscription,
        },
        status=400 if invalid else 200,
    )
