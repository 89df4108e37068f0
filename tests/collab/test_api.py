"""The collaboration endpoints: every role, every refusal, every bad input (answers checked
against the published schema by the API's conftest)."""

from __future__ import annotations

import datetime as dt

import pytest

from initiatives.collab import services as collab
from initiatives.collab.models import Comment, Follow, RequestStatus, SignoffRequest
from initiatives.models import ActivityEvent
from tests.factories import make_milestone

pytestmark = pytest.mark.django_db

ROLES = ["dri", "engineer", "em", "pm", "security", "legal", "viewer", "outsider"]
COMMENT_EXPECTED = {
    "dri": 201,
    "engineer": 201,
    "em": 201,
    "pm": 201,
    "security": 201,
    "legal": 201,
    "viewer": 403,
    "outsider": 404,
}


def comments_url(initiative) -> str:
    return f"/api/v1/initiatives/{initiative.key}/comments/"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_comment(clients, initiative, role):
    response = clients[role].post(comments_url(initiative), {"body": "Looks good"}, format="json")
    assert response.status_code == COMMENT_EXPECTED[role], response.content
    assert Comment.objects.count() == (1 if COMMENT_EXPECTED[role] == 201 else 0)


def test_a_viewer_reads_comments_an_outsider_gets_404(clients, initiative, people):
    collab.comment_create(initiative=initiative, actor=people["dri"], body="Hello")
    assert clients["viewer"].get(comments_url(initiative)).json()["count"] == 1
    assert clients["outsider"].get(comments_url(initiative)).status_code == 404


def test_comments_filter_by_target_kind_and_id(clients, initiative, people):
    milestone = make_milestone(initiative, people["dri"])
    client = clients["dri"]
    client.post(comments_url(initiative), {"body": "On the initiative"}, format="json")
    posted = client.post(
        comments_url(initiative),
        {"body": "On the pilot", "target": "milestone", "target_id": milestone.pk},
        format="json",
    )
    assert posted.status_code == 201
    assert (posted.json()["target"], posted.json()["target_id"]) == ("milestone", milestone.pk)
    listed = client.get(comments_url(initiative), {"target": "milestone"}).json()
    assert [c["body"] for c in listed["results"]] == ["On the pilot"]
    listed = client.get(
        comments_url(initiative), {"target": "milestone", "target_id": milestone.pk + 99}
    ).json()
    assert listed["count"] == 0
    assert client.get(comments_url(initiative), {"target": "planet"}).status_code == 400
    assert client.get(comments_url(initiative), {"target_id": "x"}).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": "x" * 20_001},
        {"body": "hi", "target": "milestone"},
        {"body": "hi", "target": "milestone", "target_id": 99999},
        {"body": "hi", "parent": 99999},
        {"body": "hi", "colour": "red"},
        {"body": ["not", "text"]},
    ],
)
def test_bad_comment_input_is_a_400_that_writes_nothing(clients, initiative, body):
    response = clients["dri"].post(comments_url(initiative), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"]
    assert not Comment.objects.exists()


def test_a_reply_goes_into_the_thread(clients, initiative, people):
    root = collab.comment_create(initiative=initiative, actor=people["dri"], body="Q?")
    response = clients["em"].post(
        comments_url(initiative), {"body": "A", "parent": root.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["parent"] == root.pk


def test_the_author_edits_with_if_match_and_others_may_not(clients, initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="Draft")
    url = f"/api/v1/comments/{comment.pk}/"
    read = clients["dri"].get(url)
    assert read.status_code == 200
    etag = read["ETag"]
    assert clients["em"].patch(url, {"body": "Hijack"}, format="json").status_code == 403
    assert clients["outsider"].patch(url, {"body": "Hijack"}, format="json").status_code == 404
    edited = clients["dri"].patch(url, {"body": "Final"}, format="json", HTTP_IF_MATCH=etag)
    assert edited.status_code == 200 and edited.json()["body"] == "Final"
    stale = clients["dri"].patch(url, {"body": "Again"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412


def test_delete_leaves_a_tombstone(clients, initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["engineer"], body="Oops")
    url = f"/api/v1/comments/{comment.pk}/"
    assert clients["dri"].delete(url).status_code == 403
    assert clients["viewer"].delete(url).status_code == 403
    assert clients["em"].delete(url).status_code == 204
    body = clients["engineer"].get(url).json()
    assert body["removed"] is True and body["body"] == ""
    assert ActivityEvent.objects.get(verb="comment.removed").actor_id == people["em"].pk


def test_reactions_add_and_take_back(clients, initiative, people):
    comment = collab.comment_create(initiative=initiative, actor=people["dri"], body="Shipped")
    url = f"/api/v1/comments/{comment.pk}/reactions/"
    first = clients["em"].post(url, {"emoji": "tada"}, format="json")
    assert first.status_code == 201
    assert first.json()["reactions"] == [
        {"emoji": "tada", "symbol": "🎉", "count": 1, "mine": True}
    ]
    again = clients["em"].post(url, {"emoji": "tada"}, format="json")
    assert again.status_code == 200 and again.json()["changed"] is False
    assert clients["em"].post(url, {"emoji": "poop"}, format="json").status_code == 400
    assert clients["viewer"].post(url, {"emoji": "tada"}, format="json").status_code == 403
    assert clients["outsider"].post(url, {"emoji": "tada"}, format="json").status_code == 404
    gone = clients["em"].delete(f"{url}?emoji=tada")
    assert gone.status_code == 200 and gone.json()["reactions"] == []


def test_the_dri_requests_a_sign_off(clients, initiative, people, security_item):
    url = f"/api/v1/checklist-items/{security_item.pk}/signoff-requests/"
    due = str(dt.date.today() + dt.timedelta(days=5))
    response = clients["dri"].post(
        url, {"reviewer": "sec", "due_date": due, "message": "Please"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reviewer"]["username"] == "sec" and body["status"] == "open"
    assert body["due_date"] == due


@pytest.mark.parametrize(
    ("who", "body", "expected"),
    [
        ("engineer", {"reviewer": "sec"}, 403),
        ("viewer", {"reviewer": "sec"}, 403),
        ("outsider", {"reviewer": "sec"}, 404),
        ("dri", {"reviewer": "dri"}, 400),
        ("dri", {"reviewer": "legal"}, 400),
        ("dri", {"reviewer": "outsider"}, 400),
        ("dri", {"reviewer": "nobody-at-all"}, 400),
        ("dri", {}, 400),
        ("dri", {"reviewer": "sec", "due_date": "2001-01-01"}, 400),
        ("dri", {"reviewer": "sec", "due_date": "soon"}, 400),
    ],
)
def test_sign_off_request_refusals(clients, security_item, who, body, expected):
    url = f"/api/v1/checklist-items/{security_item.pk}/signoff-requests/"
    response = clients[who].post(url, body, format="json")
    assert response.status_code == expected, response.content
    assert not SignoffRequest.objects.exists()


def test_the_reviewer_declines(clients, people, security_item):
    request = collab.signoff_request_create(
        item=security_item, actor=people["dri"], reviewer=people["security"]
    )
    url = f"/api/v1/signoff-requests/{request.pk}/decline/"
    assert clients["dri"].post(url, {"reason": "x"}, format="json").status_code == 403
    assert clients["outsider"].post(url, {"reason": "x"}, format="json").status_code == 404
    assert clients["security"].post(url, {}, format="json").status_code == 400
    response = clients["security"].post(url, {"reason": "No threat model"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == RequestStatus.DECLINED
    assert clients["security"].post(url, {"reason": "Again"}, format="json").status_code == 409


def test_follow_and_unfollow(clients, initiative, people):
    url = f"/api/v1/initiatives/{initiative.key}/follow/"
    assert clients["viewer"].post(url).json() == {"initiative": initiative.key, "following": True}
    assert clients["dri"].delete(url).json()["following"] is False
    assert clients["outsider"].post(url).status_code == 404
    assert dict(Follow.objects.values_list("user__username", "following")) == {
        "viewer": True,
        "dri": False,
    }


def test_comment_created_is_a_webhook_event(clients, initiative, people):
    from initiatives.webhooks.services import webhook_endpoint_create

    endpoint = webhook_endpoint_create(
        team=initiative.team,
        actor=people["em"],
        url="http://127.0.0.1:9/hook",
        events=["comment.created", "signoff.requested", "signoff.declined"],
    )
    assert endpoint.events == ["comment.created", "signoff.requested", "signoff.declined"]
    from initiatives.outbox.models import OutboxMessage

    clients["dri"].post(comments_url(initiative), {"body": "Hi"}, format="json")
    assert OutboxMessage.objects.filter(kind="webhook.event").count() == 1


@pytest.mark.parametrize("size", [3, 30])
def test_the_comment_list_runs_a_fixed_number_of_queries(
    clients, initiative, people, size, django_assert_max_num_queries
):
    for n in range(size):
        comment = collab.comment_create(initiative=initiative, actor=people["dri"], body=f"{n}")
        collab.reaction_set(actor=people["em"], emoji="+1", on=True, comment=comment)
    client = clients["engineer"]
    # Token (and its use), the initiative with the caller's role, the page, its count and
    # the reactions of the page.
    with django_assert_max_num_queries(6):
        response = client.get(comments_url(initiative))
    assert response.json()["count"] == size
