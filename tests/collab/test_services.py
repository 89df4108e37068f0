"""The collaboration rules, at the services: comments, reactions, mentions, sign-off requests
and following, each refused to the roles that may not, each audited once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from initiatives import services
from initiatives.collab import selectors
from initiatives.collab import services as collab
from initiatives.collab.models import Comment, Mention, Reaction, RequestStatus, TargetKind
from initiatives.models import ActivityEvent, State, Team
from initiatives.rules.exceptions import Conflict, NotAllowed, NotFound, ValidationFailed
from tests.factories import make_initiative, make_milestone

pytestmark = pytest.mark.django_db


def events(verb: str) -> int:
    return ActivityEvent.objects.filter(verb=verb).count()


# --- Comments --------------------------------------------------------------------------------


def test_a_contributor_comments_once_audited(initiative, people):
    comment = collab.comment_create(
        initiative=initiative, actor=people["engineer"], body="Hi *all*"
    )
    assert comment.target_kind == TargetKind.INITIATIVE
    assert comment.target_id == initiative.pk
    assert events("comment.created") == 1


def test_a_viewer_cannot_comment_and_an_outsider_is_not_told_it_exists(initiative, people):
    with pytest.raises(NotAllowed):
        collab.comment_create(initiative=initiative, actor=people["viewer"], body="Hi")
    with pytest.raises(NotFound):
        collab.comment_create(initiative=initiative, actor=people["outsider"], body="Hi")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 20_001, "nul\x00"])
def test_bad_bodies_are_refused(initiative, people, body):
    with pytest.raises(ValidationFailed):
        collab.comment_create(initiative=initiative, actor=people["dri"], body=body)


def test_a_comment_on_a_part_must_name_a_part_of_this_initiative(team, initiative, people):
    other = make_initiative(team, people["dri"], title="Other")
    milestone = make_milestone(other, people["dri"])
    with pytest.raises(ValidationFailed):
        collab.comment_create(
            initiative=initiative,
            actor=people["dri"],
            body="Hi",
            target_kind=TargetKind.MILESTONE,
            target_id=milestone.pk,
        )
    with pytest.raises(ValidationFailed):
        collab.comment_create(
            initiative=initiative, actor=people["dri"], body="Hi", target_kind="planet"
        )
    mine = make_milestone(initiative, people["dri"])
    comment = collab.comment_create(
        initiative=initiative,
        actor=people["dri"],
        body="Hi",
        target_kind=TargetKind.MILESTONE,
        target_id=mine.pk,
    )
    assert (comment.target_kind, comment.target_id) == (TargetKind.MILESTONE, mine.pk)


def test_replies_are_one_level_deep(initiative, people):
    root = collab.comment_create(initiative=initiative, actor=people["dri"], body="Q?")
    reply = collab.comment_create(initiative=initiative, actor=people["em"], body="A", parent=root)
    deeper = collab.comment_create(
        initiative=initiative, actor=people["dri"], body="Thanks", parent=reply
    )
    assert reply.parent_id == root.pk
    assert deeper.parent_id == root.pk  # joins the thread, never nests
    event = ActivityEvent.objects.filter(verb="comment.created").order_by("-pk").first()
    assert event.after["replied_to_author"] == people["em"].pk


def test_edits_inside_the_grace_period_leave_no_mark_later_ones_do(initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="Draft")
    comment = collab.comment_edit(comment=comment, actor=people["dri"], body="Better")
    assert comment.edited_at is None
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        comment = collab.comment_edit(comment=comment, actor=people["dri"], body="Best")
    assert comment.edited_at is not None
    assert events("comment.edited") == 2


def test_only_the_author_edits(initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="Mine")
    for who in ("em", "engineer", "viewer"):
        with pytest.raises(NotAllowed):
            collab.comment_edit(comment=comment, actor=people[who], body="Theirs")
    with pytest.raises(NotFound):
        collab.comment_edit(comment=comment, actor=people["outsider"], body="Theirs")


def test_the_author_or_an_em_removes_a_comment_as_a_tombstone(initiative, people):
    first = collab.comment_create(initiative=initiative, actor=people["engineer"], body="One")
    second = collab.comment_create(initiative=initiative, actor=people["engineer"], body="Two")
    for who in ("dri", "pm", "viewer"):
        with pytest.raises(NotAllowed):
            collab.comment_remove(comment=first, actor=people[who])
    collab.comment_remove(comment=first, actor=people["engineer"])
    collab.comment_remove(comment=second, actor=people["em"])
    for comment in (first, second):
        comment.refresh_from_db()
        assert comment.is_removed and comment.body == ""
    removed = ActivityEvent.objects.filter(verb="comment.removed").order_by("pk")
    assert [e.actor_id for e in removed] == [people["engineer"].pk, people["em"].pk]
    with pytest.raises(NotAllowed):
        collab.comment_edit(comment=first, actor=people["engineer"], body="Back")
    assert Comment.objects.count() == 2  # never hard-deleted


def test_a_cancelled_initiative_takes_no_comments(initiative, people):
    services.initiative_transition(
        initiative=initiative, to=State.CANCELLED, actor=people["dri"], reason="Dropped"
    )
    with pytest.raises(Conflict):
        collab.comment_create(initiative=initiative, actor=people["dri"], body="Hi")


# --- Reactions -------------------------------------------------------------------------------


def test_one_reaction_per_person_per_emoji(initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="Shipped")
    assert collab.reaction_set(actor=people["em"], emoji="tada", on=True, comment=comment)
    assert not collab.reaction_set(actor=people["em"], emoji="tada", on=True, comment=comment)
    assert collab.reaction_set(actor=people["em"], emoji="+1", on=True, comment=comment)
    assert Reaction.objects.count() == 2
    assert events("reaction.added") == 2
    assert collab.reaction_set(actor=people["em"], emoji="tada", on=False, comment=comment)
    assert not collab.reaction_set(actor=people["em"], emoji="tada", on=False, comment=comment)
    assert Reaction.objects.count() == 1


def test_reactions_refuse_unknown_emoji_viewers_and_outsiders(initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="Hi")
    with pytest.raises(ValidationFailed):
        collab.reaction_set(actor=people["em"], emoji="poop", on=True, comment=comment)
    with pytest.raises(NotAllowed):
        collab.reaction_set(actor=people["viewer"], emoji="+1", on=True, comment=comment)
    with pytest.raises(NotFound):
        collab.reaction_set(actor=people["outsider"], emoji="+1", on=True, comment=comment)


def test_an_em_reacts_to_a_red_update(initiative, people):
    update = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="off_track", risks="Vendor late"
    )
    assert collab.reaction_set(actor=people["em"], emoji="eyes", on=True, status_update=update)
    counts = selectors.reaction_counts(people["em"].pk, update_ids=[update.pk])
    [count] = counts[("update", update.pk)]
    assert (count.emoji, count.count, count.mine) == ("eyes", 1, True)


# --- Mentions --------------------------------------------------------------------------------


def test_mentions_resolve_team_members_and_leave_unknown_handles_as_text(initiative, people):
    comment = collab.comment_create(
        initiative=initiative,
        actor=people["dri"],
        body="@EM and @sec, see mail@example.com; @nobody, `@legal`.",
    )
    mentioned = set(
        Mention.objects.filter(source_id=comment.pk).values_list("user__username", flat=True)
    )
    # A handle in code is still a handle (people write `@x` to mean them); unknown ones stay.
    assert mentioned == {"em", "sec", "legal"}


def test_a_stakeholder_of_another_teams_initiative_cannot_be_mentioned_here(team, people):
    other_team = Team.objects.get(key="DATA")
    outsider = people["outsider"]
    # They are a stakeholder of an initiative of their own team...
    theirs = make_initiative(other_team, outsider, title="Theirs")
    services.initiative_person_add(
        initiative=theirs, actor=outsider, user=outsider, kind="stakeholder"
    )
    # ...but not a member of this one's team: the mention stays text.
    ours = make_initiative(team, people["dri"], title="Ours")
    comment = collab.comment_create(
        initiative=ours, actor=people["dri"], body=f"@{outsider.username} thoughts?"
    )
    assert not Mention.objects.filter(source_id=comment.pk).exists()


def test_an_edit_mentions_only_people_not_named_before(initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="@em look")
    collab.comment_edit(comment=comment, actor=people["dri"], body="@em look again, @sec too")
    rows = Mention.objects.filter(source_id=comment.pk).order_by("pk")
    assert [m.user.username for m in rows] == ["em", "sec"]
    assert rows[0].event_id != rows[1].event_id


def test_an_update_mentions_team_members_once_it_is_saved(initiative, people, after_commit):
    with after_commit():
        update = services.status_update_post(
            initiative=initiative, actor=people["dri"], health="on_track", progress="Thanks @eng!"
        )
    assert Mention.objects.filter(
        source_kind="update", source_id=update.pk, user=people["engineer"]
    ).exists()


# --- Sign-off requests -----------------------------------------------------------------------


def test_the_dri_asks_a_security_member_for_the_security_sign_off(
    initiative, people, security_item
):
    request = collab.signoff_request_create(
        item=security_item,
        actor=people["dri"],
        reviewer=people["security"],
        due_date=dt.date.today() + dt.timedelta(days=3),
        message="Please review the threat model",
    )
    assert request.status == RequestStatus.OPEN
    assert events("signoff.requested") == 1
    assert list(selectors.requests_for(people["security"])) == [request]


@pytest.mark.parametrize("reviewer", ["dri", "engineer", "legal", "viewer", "outsider"])
def test_only_someone_who_may_decide_the_item_can_be_asked(
    initiative, people, security_item, reviewer
):
    with pytest.raises(ValidationFailed):
        collab.signoff_request_create(
            item=security_item, actor=people["dri"], reviewer=people[reviewer]
        )


@pytest.mark.parametrize("who", ["engineer", "pm", "security", "viewer"])
def test_only_the_dri_or_an_em_asks(initiative, people, security_item, who):
    with pytest.raises(NotAllowed):
        collab.signoff_request_create(
            item=security_item, actor=people[who], reviewer=people["security"]
        )


def test_requests_refuse_past_dates_duplicates_and_ordinary_items(
    initiative, people, security_item
):
    with pytest.raises(ValidationFailed):
        collab.signoff_request_create(
            item=security_item,
            actor=people["dri"],
            reviewer=people["security"],
            due_date=dt.date.today() - dt.timedelta(days=2),
        )
    collab.signoff_request_create(
        item=security_item, actor=people["em"], reviewer=people["security"]
    )
    with pytest.raises(Conflict):
        collab.signoff_request_create(
            item=security_item, actor=people["dri"], reviewer=people["security"]
        )
    ordinary = initiative.checklist_items.filter(signoff_role="", rule="").first()
    with pytest.raises(ValidationFailed):
        collab.signoff_request_create(item=ordinary, actor=people["dri"], reviewer=people["em"])


def test_a_request_closes_when_the_item_is_decided(initiative, people, security_item):
    request = collab.signoff_request_create(
        item=security_item, actor=people["dri"], reviewer=people["security"]
    )
    services.checklist_item_tick(item=security_item, actor=people["security"])
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
    assert (
        request.closed_by_event_id == ActivityEvent.objects.get(verb="checklist_item.signed_off").pk
    )
    assert not selectors.requests_for(people["security"]).exists()


def test_the_reviewer_declines_with_a_reason_and_nobody_else_can(initiative, people, security_item):
    request = collab.signoff_request_create(
        item=security_item, actor=people["dri"], reviewer=people["security"]
    )
    with pytest.raises(NotAllowed):
        collab.signoff_request_decline(request=request, actor=people["dri"], reason="No")
    with pytest.raises(ValidationFailed):
        collab.signoff_request_decline(request=request, actor=people["security"], reason=" ")
    collab.signoff_request_decline(
        request=request, actor=people["security"], reason="Not ready: no threat model"
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    with pytest.raises(Conflict):
        collab.signoff_request_decline(request=request, actor=people["security"], reason="Again")


def test_overdue_requests_are_recorded_once(initiative, people, security_item):
    collab.signoff_request_create(
        item=security_item,
        actor=people["dri"],
        reviewer=people["security"],
        due_date=dt.date.today() + dt.timedelta(days=1),
    )
    assert collab.signoff_requests_mark_overdue() == 0
    later = timezone.now() + dt.timedelta(days=3)
    assert collab.signoff_requests_mark_overdue(now=later) == 1
    assert collab.signoff_requests_mark_overdue(now=later) == 0
    assert events("signoff.overdue") == 1


# --- Following -------------------------------------------------------------------------------


def test_people_of_an_initiative_follow_it_and_anyone_who_sees_it_may_choose(initiative, people):
    services.initiative_person_add(
        initiative=initiative, actor=people["dri"], user=people["engineer"], kind="member"
    )
    assert selectors.followers_of(initiative) == {people["dri"].pk, people["engineer"].pk}
    collab.follow_set(initiative=initiative, actor=people["viewer"], following=True)
    collab.follow_set(initiative=initiative, actor=people["dri"], following=False)
    assert selectors.followers_of(initiative) == {people["engineer"].pk, people["viewer"].pk}
    with pytest.raises(NotFound):
        collab.follow_set(initiative=initiative, actor=people["outsider"], following=True)
    assert events("initiative.followed") == 1
    assert events("initiative.unfollowed") == 1
