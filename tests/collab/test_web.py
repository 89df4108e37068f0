"""The discussion on the initiative page, sign-off requests and my work's "Requests for you",
without JavaScript: plain forms, redirects to the place, refusals by role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from initiatives import services
from initiatives.collab import services as collab
from initiatives.collab.models import Comment, Follow, Reaction, SignoffRequest
from tests.factories import make_milestone

pytestmark = pytest.mark.django_db


def page(client, initiative) -> str:
    response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_comments_from_the_page_and_lands_on_the_comment(client, initiative, people):
    client.force_login(people["engineer"])
    assert 'id="new-comment"' in page(client, initiative)
    response = client.post(
        reverse("comment-create", args=[initiative.key]), {"body": "Ping @em **now**"}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{initiative.get_absolute_url()}#comment-{comment.pk}"
    html = page(client, initiative)
    assert f'id="comment-{comment.pk}"' in html
    assert "<strong>now</strong>" in html
    assert '<span class="mention" title="@em">@Em</span>' in html


def test_a_comment_on_an_item_shows_in_its_thread_and_on_the_item(client, initiative, people):
    item = initiative.checklist_items.first()
    client.force_login(people["dri"])
    client.post(
        reverse("comment-create", args=[initiative.key]),
        {"body": "Is this needed?", "about": f"item:{item.pk}"},
    )
    html = page(client, initiative)
    assert f'id="thread-item-{item.pk}"' in html
    assert f'href="#thread-item-{item.pk}"' in html  # the item's link to its thread


def test_a_viewer_reads_but_cannot_comment_and_an_outsider_gets_404(client, initiative, people):
    collab.comment_create(initiative=initiative, actor=people["dri"], body="Visible")
    client.force_login(people["viewer"])
    html = page(client, initiative)
    assert "Visible" in html and 'id="new-comment"' not in html
    response = client.post(reverse("comment-create", args=[initiative.key]), {"body": "Hi"})
    assert response.status_code == 403
    client.force_login(people["outsider"])
    response = client.post(reverse("comment-create", args=[initiative.key]), {"body": "Hi"})
    assert response.status_code == 404
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "data", [{"body": ""}, {"body": "x", "about": "planet:1"}, {"body": "x", "about": "item:999"}]
)
def test_bad_comment_input_is_a_message_not_an_error(client, initiative, people, data):
    client.force_login(people["dri"])
    response = client.post(reverse("comment-create", args=[initiative.key]), data, follow=True)
    assert response.status_code == 200
    assert b'class="msg msg-error"' in response.content
    assert not Comment.objects.exists()


def test_edit_remove_and_react(client, initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="Draft")
    client.force_login(people["em"])
    assert client.get(reverse("comment-edit", args=[comment.pk])).status_code == 403
    client.post(reverse("comment-react", args=[comment.pk]), {"emoji": "+1"})
    assert Reaction.objects.filter(user=people["em"], emoji="+1").exists()
    client.post(reverse("comment-react", args=[comment.pk]), {"emoji": "+1", "on": "0"})
    assert not Reaction.objects.exists()
    client.force_login(people["dri"])
    edit_url = reverse("comment-edit", args=[comment.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, {"body": "Final", "version": comment.version})
    assert response.status_code == 302
    stale = client.post(edit_url, {"body": "Again", "version": comment.version})
    assert stale.status_code == 412
    client.force_login(people["em"])
    client.post(reverse("comment-remove", args=[comment.pk]))
    assert "Comment removed." in page(client, initiative)


def test_an_em_reacts_to_an_update_on_the_page(client, initiative, people):
    update = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="off_track", risks="Late"
    )
    client.force_login(people["em"])
    response = client.post(reverse("update-react", args=[update.pk]), {"emoji": "eyes"})
    assert response["Location"].endswith(f"#update-{update.pk}")
    assert "👀 1" in page(client, initiative)


def test_follow_and_unfollow_from_the_page(client, initiative, people):
    client.force_login(people["viewer"])
    assert ">Follow<" in page(client, initiative)
    client.post(reverse("initiative-follow", args=[initiative.key]), {"following": "1"})
    assert "Following ✓" in page(client, initiative)
    client.force_login(people["outsider"])
    assert client.post(reverse("initiative-follow", args=[initiative.key])).status_code == 404
    assert Follow.objects.get().user == people["viewer"]


def test_the_dri_asks_for_a_sign_off_from_the_item(client, initiative, people, security_item):
    client.force_login(people["dri"])
    url = reverse("signoff-request", args=[security_item.pk])
    assert url in page(client, initiative)
    form = client.get(url).content.decode()
    # Only people who may decide it are offered: security, never the DRI or legal.
    assert f'<option value="{people["security"].pk}">' in form
    for other in ("legal", "dri", "engineer"):
        assert f'<option value="{people[other].pk}">' not in form
    due = dt.date.today() + dt.timedelta(days=4)
    response = client.post(
        url, {"reviewer": people["security"].pk, "due_date": due.isoformat(), "message": "Pls"}
    )
    assert response.status_code == 302
    assert SignoffRequest.objects.get().reviewer == people["security"]
    assert "Asked of Sec" in page(client, initiative)


def test_sign_off_request_form_refusals(client, initiative, people, security_item):
    url = reverse("signoff-request", args=[security_item.pk])
    client.force_login(people["engineer"])
    assert client.get(url).status_code == 403
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(people["dri"])
    response = client.post(url, {"reviewer": people["legal"].pk})
    assert response.status_code == 400  # not a choice: legal may not decide it
    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    response = client.post(url, {"reviewer": people["security"].pk, "due_date": past})
    assert response.status_code == 400 and b"is in the past" in response.content
    assert not SignoffRequest.objects.exists()


def test_requests_for_you_on_my_work_and_declining(client, initiative, people, security_item):
    request = collab.signoff_request_create(
        item=security_item,
        actor=people["dri"],
        reviewer=people["security"],
        due_date=dt.date.today() + dt.timedelta(days=2),
    )
    client.force_login(people["security"])
    html = client.get(reverse("my-work")).content.decode()
    assert "Requests for you" in html and security_item.text in html
    client.post(reverse("signoff-decline", args=[request.pk]), {"reason": "No threat model"})
    request.refresh_from_db()
    assert request.status == "declined"
    assert "Requests for you" not in client.get(reverse("my-work")).content.decode()


def test_declining_needs_a_reason_and_the_reviewer(client, people, security_item):
    request = collab.signoff_request_create(
        item=security_item, actor=people["dri"], reviewer=people["security"]
    )
    client.force_login(people["dri"])
    assert (
        client.post(reverse("signoff-decline", args=[request.pk]), {"reason": "x"}).status_code
        == 403
    )
    client.force_login(people["security"])
    client.post(reverse("signoff-decline", args=[request.pk]), {"reason": ""})
    request.refresh_from_db()
    assert request.status == "open"


@pytest.mark.parametrize("comments", [2, 20])
def test_the_page_runs_a_fixed_number_of_queries_whatever_the_comments(
    client, initiative, people, comments, django_assert_max_num_queries
):
    milestone = make_milestone(initiative, people["dri"])
    update = services.status_update_post(
        initiative=initiative, actor=people["dri"], health="on_track"
    )
    targets = [("initiative", None), ("milestone", milestone.pk), ("update", update.pk)]
    for n in range(comments):
        kind, pk = targets[n % 3]
        root = collab.comment_create(
            initiative=initiative,
            actor=people["em"],
            body=f"@dri {n}",
            target_kind=kind,
            target_id=pk,
        )
        reply = collab.comment_create(
            initiative=initiative, actor=people["dri"], body="ok", parent=root
        )
        collab.reaction_set(actor=people["engineer"], emoji="+1", on=True, comment=reply)
    collab.reaction_set(actor=people["em"], emoji="eyes", on=True, status_update=update)
    client.force_login(people["dri"])
    # The page's budget (tests/web/test_query_budgets.py) with its discussion; its blocked-by
    # links (policies) one more.
    with django_assert_max_num_queries(17):
        html = page(client, initiative)
    assert html.count('<article class="comment') == 2 * comments
