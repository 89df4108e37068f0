"""In-process timing of the cold dashboard of the largest team (the speed issue's target):
``python -m bench.cold_dashboard [runs]`` with the bench settings (``DATABASE_URL`` of a
seeded database, ``CACHE_URL``). Each run clears the cache first, so the page and its
figures are computed; prints the median and spread of the page and of ``portfolio_summary``
alone, with their query counts. ``--profile`` prints a cProfile of one cold page."""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from initiatives.dashboard.summary import portfolio_summary  # noqa: E402
from initiatives.models import Membership, Team  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 7
    team = Team.objects.annotate(n=Count("initiatives")).order_by("-n", "pk").first()
    if team is None:
        raise SystemExit("No data: run `manage.py seed_scale` first.")
    membership = Membership.objects.filter(team=team).order_by("pk").first()
    if membership is None:
        raise SystemExit(f"{team.key} has no members.")
    client = Client()
    client.force_login(membership.user)
    path = f"/teams/{team.key}/dashboard/"
    client.get(path)  # warm imports, templates and the connection

    if "--profile" in sys.argv:
        cache.clear()
        profile = cProfile.Profile()
        profile.enable()
        client.get(path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return

    page, figures, queries = [], [], {}
    for _ in range(runs):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            page.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries["page"] = len(captured)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            portfolio_summary([team.pk], now=timezone.now(), tz=team.tz)
            figures.append((time.perf_counter() - started) * 1000)
        queries["figures"] = len(captured)
    for name, values in (("page", page), ("figures", figures)):
        middle = statistics.median(values)
        print(
            f"{team.key} ({team.n} initiatives) cold {name}: median {middle:.1f} ms"
            f" (min {min(values):.1f}, max {max(values):.1f}; {runs} runs), {queries[name]} queries"
        )


if __name__ == "__main__":
    main()
