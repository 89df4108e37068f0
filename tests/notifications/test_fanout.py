"""Who is notified of what: one row per (recipient, event), after commit, never of one's own
action, per the recipient's preference."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from initiatives import services
from initiatives.collab import services as collab
from initiatives.models import ActivityEvent, State, TaskState
from initiatives.notifications import fanout
from initiatives.notifications.models import Channel, EmailState, Kind, Notification
from initiatives.notifications.services import preferences_set
from initiatives.outbox.models import OutboxMessage
from tests.factories import make_milestone

pytestmark = pytest.mark.django_db


def of(user) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", "url")
    )


def kinds(user) -> list[str]:
    return [kind for kind, _ in of(user)]


def test_a_mention_notifies_after_commit_and_links_to_the_comment(initiative, people, after_commit):
    with after_commit():
        comment = collab.comment_create(
            initiative=initiative, actor=people["dri"], body="@eng can you check?"
        )
    assert of(people["engineer"]) == [(Kind.MENTION, f"/i/{initiative.key}/#comment-{comment.pk}")]
    note = Notification.objects.get(recipient=people["engineer"])
    assert note.summary.startswith("Dri mentioned you")


def test_nothing_is_notified_for_work_that_rolls_back(initiative, people, after_commit):
    with after_commit(), pytest.raises(RuntimeError), transaction.atomic():
        collab.comment_create(initiative=initiative, actor=people["dri"], body="@eng hi")
        raise RuntimeError
    assert not Notification.objects.exists()


def test_a_mention_notifies_exactly_once_even_if_the_comment_is_edited(
    initiative, people, after_commit
):
    with after_commit():
        comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="@eng")
    with after_commit():
        collab.comment_edit(comment=comment, actor=people["dri"], body="@eng (typo)")
        collab.comment_edit(comment=comment, actor=people["dri"], body="@eng and @sec")
    assert kinds(people["engineer"]) == [Kind.MENTION]
    assert kinds(people["security"]) == [Kind.MENTION]


def test_the_same_event_handed_over_twice_notifies_once(initiative, people, after_commit):
    with after_commit():
        collab.comment_create(initiative=initiative, actor=people["dri"], body="@eng")
    event = ActivityEvent.objects.get(verb="comment.created")
    fanout.notify(event.pk)  # the outbox may hand a message over twice
    assert Notification.objects.filter(recipient=people["engineer"]).count() == 1


def test_nobody_is_notified_of_their_own_action(initiative, people, after_commit):
    with after_commit():
        collab.comment_create(initiative=initiative, actor=people["dri"], body="@dri note to self")
        services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
    assert not Notification.objects.filter(recipient=people["dri"]).exists()


def test_a_reply_notifies_the_author_of_the_comment_replied_to(initiative, people, after_commit):
    root = collab.comment_create(initiative=initiative, actor=people["engineer"], body="Q?")
    with after_commit():
        collab.comment_create(initiative=initiative, actor=people["em"], body="A", parent=root)
    assert kinds(people["engineer"]) == [Kind.REPLY]
    # The DRI follows their initiative: they hear of the comment as a follower.
    assert kinds(people["dri"]) == [Kind.FOLLOWING]


def test_followers_hear_of_state_changes_slips_updates_and_decisions(
    initiative, people, after_commit
):
    collab.follow_set(initiative=initiative, actor=people["viewer"], following=True)
    with after_commit():
        services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
        services.status_update_post(initiative=initiative, actor=people["dri"], health="on_track")
        services.task_create(initiative=initiative, actor=people["dri"], title="Spike")
    # A task without assignee is nobody's news; the move and the update are the followers'.
    assert kinds(people["viewer"]) == [Kind.FOLLOWING, Kind.FOLLOWING]
    assert not Notification.objects.filter(recipient=people["engineer"]).exists()


def test_an_unfollower_hears_nothing_more(initiative, people, after_commit):
    collab.follow_set(initiative=initiative, actor=people["dri"], following=False)
    with after_commit():
        services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["em"])
    assert not Notification.objects.filter(recipient=people["dri"]).exists()


def test_being_made_dri_or_assignee_notifies(initiative, people, after_commit):
    with after_commit():
        services.initiative_update(
            initiative=initiative, actor=people["em"], changes={"dri": people["engineer"]}
        )
        services.task_create(
            initiative=initiative, actor=people["em"], title="Spike", assignee=people["legal"]
        )
    assert kinds(people["engineer"]) == [Kind.ASSIGNED]
    assert kinds(people["legal"]) == [Kind.ASSIGNED]


def test_sign_off_requests_and_decisions_notify_the_people_concerned(
    initiative, people, security_item, after_commit
):
    with after_commit():
        request = collab.signoff_request_create(
            item=security_item, actor=people["dri"], reviewer=people["security"]
        )
    assert of(people["security"]) == [
        (Kind.SIGNOFF, f"/i/{initiative.key}/#item-{security_item.pk}")
    ]
    with after_commit():
        collab.signoff_request_decline(
            request=request, actor=people["security"], reason="Threat model missing"
        )
    assert kinds(people["dri"]) == [Kind.SIGNOFF]
    with after_commit():
        collab.signoff_request_create(
            item=security_item, actor=people["em"], reviewer=people["security"]
        )
        services.checklist_item_tick(item=security_item, actor=people["security"])
    # The EM asked: the decision is theirs to hear of; the DRI follows it.
    assert kinds(people["em"]) == [Kind.SIGNOFF]
    assert kinds(people["dri"]) == [Kind.SIGNOFF, Kind.FOLLOWING]


def test_an_overdue_request_notifies_the_em(initiative, people, security_item, after_commit):
    collab.signoff_request_create(
        item=security_item,
        actor=people["dri"],
        reviewer=people["security"],
        due_date=dt.date.today(),
    )
    with after_commit():
        collab.signoff_requests_mark_overdue(now=timezone.now() + dt.timedelta(days=2))
    assert kinds(people["em"]) == [Kind.SIGNOFF]


def test_off_means_nothing_is_created_or_sent(initiative, people, after_commit):
    preferences_set(actor=people["engineer"], changes={Kind.MENTION: Channel.OFF})
    with after_commit():
        collab.comment_create(initiative=initiative, actor=people["dri"], body="@eng hello")
    assert not Notification.objects.filter(recipient=people["engineer"]).exists()


def test_email_only_is_kept_out_of_the_inbox_and_waits_for_the_email(
    initiative, people, after_commit
):
    preferences_set(actor=people["engineer"], changes={Kind.MENTION: Channel.EMAIL})
    with after_commit():
        collab.comment_create(initiative=initiative, actor=people["dri"], body="@eng hello")
    note = Notification.objects.get(recipient=people["engineer"])
    assert (note.in_app, note.email_state) == (False, EmailState.PENDING)


def test_following_is_in_the_inbox_only_by_default(initiative, people, after_commit):
    with after_commit():
        services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["em"])
    note = Notification.objects.get(recipient=people["dri"])
    assert (note.kind, note.in_app, note.email_state) == (Kind.FOLLOWING, True, EmailState.NONE)


def test_a_reopened_item_tells_followers_only_when_a_passed_gate_lapses(
    initiative, people, after_commit
):
    ordinary = initiative.checklist_items.filter(
        kind="done", signoff_role="", rule="", evidence=""
    ).first()
    services.checklist_item_tick(item=ordinary, actor=people["dri"])
    with after_commit():
        services.checklist_item_reopen(item=ordinary, actor=people["em"])
    # In discovery no gate was passed: nothing lapsed, nobody is told.
    assert not Notification.objects.exists()


def test_only_notifying_verbs_write_an_outbox_row(initiative, people):
    before = OutboxMessage.objects.count()
    make_milestone(initiative, people["dri"])
    services.task_update(
        task=services.task_create(initiative=initiative, actor=people["dri"], title="x"),
        actor=people["dri"],
        changes={"state": TaskState.IN_PROGRESS},
    )
    kinds_written = list(
        OutboxMessage.objects.filter(pk__gt=0).values_list("kind", flat=True)[before:]
    )
    # task.created is an assignment verb (no assignee: nothing sent); the rest write nothing.
    assert kinds_written.count("notifications.event") == 1


def test_a_former_member_is_not_notified(initiative, people, after_commit):
    services.membership_remove(team=initiative.team, actor=people["em"], user=people["engineer"])
    with after_commit():
        collab.comment_create(initiative=initiative, actor=people["dri"], body="@eng")
    assert not Notification.objects.filter(recipient=people["engineer"]).exists()


def test_followers_hear_when_a_passed_gate_is_no_longer_met(initiative, people, after_commit):
    ordinary = initiative.checklist_items.filter(
        kind="ready", signoff_role="", rule="", evidence=""
    ).first()
    services.checklist_item_tick(item=ordinary, actor=people["dri"])
    services.initiative_transition(initiative=initiative, to=State.SCOPING, actor=people["dri"])
    services.initiative_transition(
        initiative=initiative, to=State.READY, actor=people["em"], override=True, reason="Pilot"
    )
    Notification.objects.all().delete()
    with after_commit():
        services.checklist_item_reopen(item=ordinary, actor=people["em"])
    assert kinds(people["dri"]) == [Kind.FOLLOWING]


def test_a_mention_in_a_weekly_update_notifies_once_per_person(initiative, people, after_commit):
    with after_commit():
        services.status_update_post(
            initiative=initiative, actor=people["dri"], health="on_track", progress="@eng thanks"
        )
    with after_commit():  # a revision naming them again, and someone new
        services.status_update_post(
            initiative=initiative,
            actor=people["dri"],
            health="on_track",
            progress="@eng thanks, @legal too",
        )
    assert kinds(people["engineer"]) == [Kind.MENTION]
    assert kinds(people["legal"]) == [Kind.MENTION]
