"""Unsubscribe links (issue 14, finding 9): they expire after 180 days (a newer digest carries
a fresh one) and stop working for a subscription that was removed and created again."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from initiatives.models import DigestSubscription
from initiatives.weekly.digest import unsubscribe_link, unsubscribe_token


def test_unsubscribe_links_expire_after_180_days(client, team):
    with time_machine.travel("2026-01-05 09:00:00+00:00", tick=False) as clock:
        DigestSubscription.objects.create(team=team, email="list@example.org")
        token = unsubscribe_token(team.pk, email="list@example.org")
        clock.shift(dt.timedelta(days=179))
        assert unsubscribe_link(token) is not None
        clock.shift(dt.timedelta(days=2))
        assert unsubscribe_link(token) is None
        url = reverse("weekly-unsubscribe", kwargs={"token": token})
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        # A newer digest carries a fresh link, which works.
        fresh = unsubscribe_token(team.pk, email="list@example.org")
        assert (
            client.post(reverse("weekly-unsubscribe", kwargs={"token": fresh})).status_code == 200
        )
    assert not DigestSubscription.objects.get(email="list@example.org").active


def test_an_old_link_does_not_remove_a_subscription_made_again(client, team):
    with time_machine.travel("2026-01-05 09:00:00+00:00", tick=False) as clock:
        first = DigestSubscription.objects.create(team=team, email="list@example.org")
        old = unsubscribe_token(team.pk, email="list@example.org")
        clock.shift(dt.timedelta(days=3))
        first.delete()  # the EM removed the address ...
        DigestSubscription.objects.create(
            team=team, email="list@example.org"
        )  # ... and re-added it
        response = client.post(reverse("weekly-unsubscribe", kwargs={"token": old}))
    assert response.status_code == 404
    assert DigestSubscription.objects.get(email="list@example.org").active
