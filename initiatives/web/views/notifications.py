"""The inbox (newest first, grouped by initiative, filters, mark read), opening a notification
at its exact place, notification preferences, and the signed unsubscribe link (no login)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from initiatives.notifications import selectors as read
from initiatives.notifications import services
from initiatives.notifications.models import Channel, Kind
from initiatives.web import params
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt

FILTER_LABELS = [("", "All"), ("mentions", "Mentions"), ("requests", "Requests")]
FILTER_LABELS += [("following", "Following")]


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    selected = request.GET.get("filter", "")
    if selected not in read.FILTERS:
        selected = ""
    page = params.positive_int(request.GET, "page", 1) or 1
    context = {
        "inbox": read.inbox(request.user, filter=selected, page=page),
        "filters": FILTER_LABELS,
        "selected": selected,
    }
    return render(request, "notifications/inbox.html", context)


@login_required
def inbox_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open a notification: mark it read and go to where it happened."""
    notification = read.notification_for(request.user, pk)
    if notification is None:
        raise Http404("No such notification.")
    services.notifications_mark_read(actor=request.user, ids=[notification.pk])
    return redirect(notification.url)


@login_required
@require_POST
def inbox_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    everything = request.POST.get("all") == "1"
    ids = [
        int(v) for v in request.POST.getlist("ids") if v.isascii() and v.isdigit() and len(v) < 19
    ]
    outcome = attempt(
        request,
        services.notifications_mark_read,
        actor=request.user,
        ids=ids,
        everything=everything,
    )
    if outcome.ok:
        messages.success(request, f"Marked {outcome.value} as read.")
    back = reverse("inbox")
    selected = request.POST.get("filter", "")
    return redirect(f"{back}?filter={selected}" if selected in read.FILTERS else back)


class PreferencesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=Channel.choices, widget=forms.RadioSelect
            )


@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, initial=read.preferences_of(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = attempt(
                request,
                services.preferences_set,
                form=form,
                actor=request.user,
                changes=form.cleaned_data,
            )
            if outcome.ok:
                messages.success(request, "Saved your notification preferences.")
                return redirect("notification-preferences")
            status = outcome.status
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a session or CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        outcome = attempt(request, services.notifications_unsubscribe, token=token)
        if outcome.ok:
            _user, kind = outcome.value
            return render(request, "notifications/unsubscribed.html", {"kind": Kind(kind).label})
    found = services.unsubscribe_link(token)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    return render(request, "notifications/unsubscribe.html", {"kind": Kind(found[1]).label})
