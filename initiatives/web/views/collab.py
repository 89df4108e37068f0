"""Discussion on the initiative page: comment threads (per initiative, update, milestone and
checklist item), replies, edits and tombstones, reactions, following, sign-off requests and
declines. Every write goes through ``collab.services`` via ``attempt``; each form falls back to
a plain POST and a redirect to the place it came from (no JavaScript needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from initiatives.collab import selectors as read
from initiatives.collab import services as collab
from initiatives.collab.models import REACTIONS, Comment, SignoffRequest, TargetKind
from initiatives.models import ChecklistItem, Initiative, ItemStatus, StatusUpdate
from initiatives.rules import collab as rules
from initiatives.rules import permissions as perms
from initiatives.selectors import pages as pages_read
from initiatives.selectors.initiatives import initiative_people
from initiatives.web import params
from initiatives.web.templatetags.shipshape import person
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt, require_offered

# --- The initiative page's discussion (built with the page, cached with it) -----------------


@dataclass
class Discussion:
    """What the initiative page shows of the discussion, for one viewer."""

    threads: list[tuple[str, read.Thread]]  # (what it is about, thread), in page order
    main: read.Thread | None  # the thread on the initiative itself
    counts: dict[tuple[str, int], int]  # comments per (target kind, id)
    update_reactions: dict[tuple[str, int], list[read.ReactionCount]]
    requests: dict[int, list[SignoffRequest]]
    names: dict[str, str]  # handle -> name, for mentions
    following: bool
    can_comment: bool
    can_react: bool
    can_request: bool
    can_moderate: bool
    viewer_id: int
    about: list[tuple[str, str]]  # (value, label) of what a new comment can be about
    about_selected: str
    reactions: list[tuple[str, str]]


def discussion(request: AuthenticatedHttpRequest, page: Any, actor: perms.Actor) -> Discussion:
    """The discussion of the initiative page ``page`` (``selectors.initiative_page``): its
    threads with reactions, also on the updates shown (2 queries whatever the number of
    comments), the open sign-off requests (1) and whether the viewer follows (1). Mentions are
    shown with the names of the team's people the page has loaded (no query)."""
    detail = page.initiative
    initiative = detail.initiative
    threads, reactions = read.threads_of(
        initiative, request.user.pk, update_ids=[u.pk for u in page.updates]
    )
    labels: dict[tuple[str, int], str] = {(TargetKind.INITIATIVE, initiative.pk): ""}
    labels.update({(TargetKind.UPDATE, u.pk): f"Weekly update {u.week}" for u in page.updates})
    labels.update(
        {(TargetKind.MILESTONE, m.milestone.pk): f"Milestone “{m.milestone.title}”"
         for m in detail.milestones}
    )  # fmt: skip
    labels.update(
        {(TargetKind.ITEM, i.pk): f"{i.get_kind_display()}: {i.text}" for i in page.items}
    )
    order = {key: n for n, key in enumerate(labels)}
    others = sorted(
        (key for key in threads if key[0] != TargetKind.INITIATIVE),
        key=lambda key: order.get(key, len(order)),
    )
    writable = initiative.state != "cancelled"
    return Discussion(
        threads=[(labels.get(key, "An older weekly update"), threads[key]) for key in others],
        main=threads.get((TargetKind.INITIATIVE, initiative.pk)),
        counts={key: thread.count for key, thread in threads.items()},
        update_reactions=reactions,
        requests=read.open_requests_of(initiative),
        names={m.user.username.lower(): person(m.user) for m in page.people},
        following=read.is_following(request.user, initiative, detail.people),
        can_comment=writable and rules.can_comment(actor),
        can_react=rules.can_react(actor),
        can_request=writable and rules.can_request_signoff(actor, initiative),
        can_moderate=actor.is_em,
        viewer_id=request.user.pk,
        about=[
            (f"{kind}:{pk}", label or "This initiative") for (kind, pk), label in labels.items()
        ],
        about_selected=request.GET.get("about", ""),
        reactions=list(REACTIONS.items()),
    )


# --- Comments --------------------------------------------------------------------------------


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
    about = forms.CharField(required=False)
    parent = forms.IntegerField(required=False, min_value=1, max_value=params.MAX_INT)


def _initiative(request: AuthenticatedHttpRequest, key: str) -> Initiative:
    try:
        return pages_read.initiative_for(request.user, key)
    except Initiative.DoesNotExist:
        raise Http404("No such initiative.") from None


def _about(value: str, initiative: Initiative) -> tuple[str, int | None]:
    kind, _, pk = (value or "").partition(":")
    if not kind:
        return TargetKind.INITIATIVE, None
    if kind not in TargetKind.values or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return "", None
    return kind, int(pk)


def _back(initiative: Initiative, anchor: str = "discussion") -> str:
    return f"{initiative.get_absolute_url()}#{anchor}"


@login_required
@require_POST
def comment_create(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = _initiative(request, key)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a comment (at most 20,000 characters).")
        return redirect(_back(initiative))
    data = form.cleaned_data
    parent = None
    if data["parent"]:
        parent = Comment.objects.filter(pk=data["parent"], initiative=initiative).first()
        if parent is None:
            raise Http404("No such comment.")
    kind, target_id = _about(data["about"], initiative)
    outcome = attempt(
        request,
        collab.comment_create,
        initiative=initiative,
        actor=request.user,
        body=data["body"],
        target_kind=kind or "unknown",
        target_id=target_id,
        parent=parent,
    )
    if outcome.ok:
        return redirect(_back(initiative, outcome.value.anchor))
    return redirect(_back(initiative))


def _comment(request: AuthenticatedHttpRequest, pk: int) -> Comment:
    comment = read.visible_comment(request.user, pk)
    if comment is None:
        raise Http404("No such comment.")
    return comment


class CommentEditForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)
    version = forms.IntegerField(required=False, min_value=1, max_value=params.MAX_INT)


@login_required
def comment_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    actor = perms.actor_for(request.user, comment.initiative.team_id)
    require_offered(rules.comment_edit_refusal(actor, comment) is None)
    form = CommentEditForm(
        request.POST or None, initial={"body": comment.body, "version": comment.version}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = attempt(
                request,
                collab.comment_edit,
                form=form,
                comment=comment,
                actor=request.user,
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data["version"],
            )
            if outcome.ok:
                return redirect(_back(comment.initiative, comment.anchor))
            status = outcome.status
    return render(
        request, "collab/comment_edit.html", {"form": form, "comment": comment}, status=status
    )


@login_required
@require_POST
def comment_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    outcome = attempt(request, collab.comment_remove, comment=comment, actor=request.user)
    if outcome.ok:
        messages.success(request, "Comment removed.")
    return redirect(_back(comment.initiative, comment.anchor))


def _react(request: AuthenticatedHttpRequest, **subject: Any) -> None:
    emoji = request.POST.get("emoji", "")
    on = request.POST.get("on", "1") != "0"
    attempt(request, collab.reaction_set, actor=request.user, emoji=emoji, on=on, **subject)


@login_required
@require_POST
def comment_react(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    _react(request, comment=comment)
    return redirect(_back(comment.initiative, comment.anchor))


@login_required
@require_POST
def update_react(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    update = (
        StatusUpdate.objects.filter(pk=pk, initiative__team__memberships__user=request.user)
        .select_related("initiative__team")
        .first()
    )
    if update is None:
        raise Http404("No such update.")
    _react(request, status_update=update)
    return redirect(_back(update.initiative, f"update-{update.pk}"))


@login_required
@require_POST
def follow(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = _initiative(request, key)
    following = request.POST.get("following", "1") != "0"
    outcome = attempt(
        request, collab.follow_set, initiative=initiative, actor=request.user, following=following
    )
    if outcome.ok:
        messages.success(
            request,
            f"You follow {initiative.key}."
            if following
            else f"You no longer follow {initiative.key}.",
        )
    return redirect(initiative)


@login_required
def mention_suggestions(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """People who can be mentioned on this initiative, as a list (the form's helper; also an
    htmx fragment with ``?q=``)."""
    initiative = _initiative(request, key)
    people = read.mentionable_people(initiative.team_id, request.GET.get("q", "")[:150])
    return render(
        request, "collab/_mention_suggestions.html", {"people": people, "initiative": initiative}
    )


# --- Sign-off requests -----------------------------------------------------------------------


class SignoffRequestForm(forms.Form):
    reviewer = forms.ChoiceField(label="Who should decide it")
    due_date = forms.DateField(
        label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    message = forms.CharField(
        label="Message", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, reviewers: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in reviewers}
        field = self.fields["reviewer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose someone")] + [(str(u.pk), person(u)) for u in reviewers]


def eligible_reviewers(item: ChecklistItem, initiative: Initiative) -> list[Any]:
    """The team's members who may decide ``item`` (``rules.collab.reviewer_refusal``, which
    is ``permissions.signoff_refusal``): the choices of the form."""
    members, stakeholders = initiative_people(initiative)
    people = perms.InitiativePeople(
        member_ids=frozenset(u.pk for u in members),
        stakeholder_ids=frozenset(u.pk for u in stakeholders),
    )
    eligible = []
    for membership in pages_read.team_people(initiative.team):
        actor = perms.Actor(user=membership.user, team_id=initiative.team_id, role=membership.role)
        if rules.reviewer_refusal(actor, item, initiative, people) is None:
            eligible.append(membership.user)
    return eligible


@login_required
def signoff_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = (
        ChecklistItem.objects.filter(pk=pk, initiative__team__memberships__user=request.user)
        .select_related("initiative__team")
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    initiative = item.initiative
    actor = perms.actor_for(request.user, initiative.team_id)
    require_offered(rules.can_request_signoff(actor, initiative))
    reviewers = eligible_reviewers(item, initiative)
    form = SignoffRequestForm(request.POST or None, reviewers=reviewers)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            outcome = attempt(
                request,
                collab.signoff_request_create,
                form=form,
                item=item,
                actor=request.user,
                reviewer=form.people.get(data["reviewer"]),
                due_date=data["due_date"],
                message=data["message"],
            )
            if outcome.ok:
                messages.success(request, f"Asked {person(outcome.value.reviewer)} to decide it.")
                return redirect(_back(initiative, f"item-{item.pk}"))
            status = outcome.status
    context = {
        "form": form,
        "item": item,
        "initiative": initiative,
        "decided": item.status != ItemStatus.OPEN,
    }
    return render(request, "collab/signoff_request_form.html", context, status=status)


class DeclineForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20_000)


@login_required
@require_POST
def signoff_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = read.visible_request(request.user, pk)
    if found is None:
        raise Http404("No such request.")
    form = DeclineForm(request.POST)
    reason = form.data.get("reason", "") if not form.is_valid() else form.cleaned_data["reason"]
    outcome = attempt(
        request, collab.signoff_request_decline, request=found, actor=request.user, reason=reason
    )
    if outcome.ok:
        messages.success(request, "Declined; the DRI has been told why.")
    return redirect(reverse("inbox") if request.POST.get("next") == "inbox" else reverse("my-work"))
