"""``seed_scale`` (the benchmark's bulk seed) spreads initiatives over the past, so that past
weeks have digests and gate waits have history to measure."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from initiatives.models import Initiative

pytestmark = pytest.mark.django_db


def test_seeded_initiatives_keep_their_creation_dates_in_the_past():
    call_command("seed_scale", "--scale", "0.01", stdout=io.StringIO())
    span = Initiative.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert Initiative.objects.exists()
    assert span["first"] < timezone.now() - dt.timedelta(days=28)
    assert span["first"] < span["last"]
