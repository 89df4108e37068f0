"""Endpoints chat servers call: the ``/shipshape`` slash command of Slack and of Mattermost, and
Slack's interactivity (the update modal's submission). No session: each request is
authenticated by what the chat server signs or sends (Slack's ``X-Slack-Signature`` over the
raw body with the app's signing secret, refused when older than five minutes; Mattermost's
command token, compared in constant time). Anything else answers 401 and writes nothing. The
commands themselves live in ``chat.commands``."""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.signature import SignatureVerifier

from initiatives.chat import commands, slack_api
from initiatives.chat.models import ChatKind

MAX_BODY = 64 * 1024


def _refused(detail: str) -> JsonResponse:
    return JsonResponse({"code": "unauthenticated", "detail": detail}, status=401)


def slack_request_valid(request: HttpRequest) -> bool:
    """Slack's signature (``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``) with a timestamp
    within five minutes: slack-sdk's ``SignatureVerifier``."""
    secret = settings.SLACK_SIGNING_SECRET
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not secret or not timestamp.isdigit() or len(timestamp) > 12 or not signature:
        return False
    return SignatureVerifier(secret).is_valid(request.body, timestamp, signature)


def mattermost_token_valid(token: str) -> bool:
    """The command's token against every configured one, each in constant time."""
    given = token.encode()
    matches = [hmac.compare_digest(given, t.encode()) for t in settings.MATTERMOST_COMMAND_TOKENS]
    return bool(token) and any(matches)


def _too_large(request: HttpRequest) -> bool:
    try:
        return int(request.headers.get("Content-Length") or 0) > MAX_BODY
    except ValueError:
        return True


def chat_endpoint(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """What every endpoint a chat server calls shares: POST only, no CSRF token (the
    signature or token is the credential), never cached, and a body of at most ``MAX_BODY``."""

    @csrf_exempt
    @never_cache
    @require_POST
    @functools.wraps(view)
    def endpoint(request: HttpRequest) -> HttpResponse:
        if _too_large(request):
            return JsonResponse({"code": "too_large", "detail": "Request too large."}, status=413)
        return view(request)

    return endpoint


def _answer(reply: commands.Reply) -> HttpResponse:
    if reply.modal is not None:
        problem = slack_api.views_open(reply.trigger_id, reply.modal)
        if not problem:
            return HttpResponse(status=200)  # the modal is the answer
        reply = commands.Reply(problem)
    return JsonResponse(reply.body())


@chat_endpoint
def slack_command(request: HttpRequest) -> HttpResponse:
    if not slack_request_valid(request):
        return _refused("Bad or stale Slack signature.")
    reply = commands.run(
        ChatKind.SLACK,
        handle=request.POST.get("user_id", ""),
        text=request.POST.get("text", ""),
        trigger_id=request.POST.get("trigger_id", ""),
    )
    return _answer(reply)


@chat_endpoint
def mattermost_command(request: HttpRequest) -> HttpResponse:
    if not mattermost_token_valid(request.POST.get("token", "")):
        return _refused("Bad Mattermost command token.")
    reply = commands.run(
        ChatKind.MATTERMOST,
        handle=request.POST.get("user_name", ""),
        text=request.POST.get("text", ""),
    )
    return _answer(reply)


@chat_endpoint
def slack_interaction(request: HttpRequest) -> HttpResponse:
    """Slack's interactivity request: a form field ``payload`` holding JSON. Only the update
    modal's submission is acted on; anything else is acknowledged and ignored."""
    if not slack_request_valid(request):
        return _refused("Bad or stale Slack signature.")
    try:
        payload: Any = json.loads(request.POST.get("payload", ""))
    except ValueError:
        return JsonResponse({"code": "invalid", "detail": "No interaction payload."}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"code": "invalid", "detail": "No interaction payload."}, status=400)
    view = payload.get("view")
    if (
        payload.get("type") != "view_submission"
        or not isinstance(view, dict)
        or view.get("callback_id") != commands.MODAL_CALLBACK
    ):
        return HttpResponse(status=200)
    answer = commands.modal_submission(payload)
    return JsonResponse(answer) if answer else HttpResponse(status=200)
