"""CSV downloads of the web's lists (``transfer.lists``): a team's initiatives with the board's
and table's filters and order, and an initiative's tasks, weekly updates and date changes.
Any member of the team may download what they can see; others get 404."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone

from initiatives.models import Initiative, Team
from initiatives.selectors import pages as read
from initiatives.transfer import lists
from initiatives.web.views.base import AuthenticatedHttpRequest
from initiatives.web.views.pages import board_filters


def csv_response(name: str, table: lists.Table) -> HttpResponse:
    header, rows = table
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate()}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
def team_initiatives_csv(request: AuthenticatedHttpRequest, team_key: str) -> HttpResponse:
    """The board or table as CSV: every matching initiative (not only the page shown)."""
    try:
        team = read.team_for(request.user, team_key)
    except Team.DoesNotExist:
        raise Http404("No such team.") from None
    table = lists.initiatives_csv(team, board_filters(request), timezone.get_current_timezone())
    return csv_response(f"{team.key.lower()}-initiatives", table)


def _initiative(request: AuthenticatedHttpRequest, key: str) -> Initiative:
    try:
        return read.initiative_for(request.user, key)
    except Initiative.DoesNotExist:
        raise Http404("No such initiative.") from None


@login_required
def initiative_tasks_csv(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = _initiative(request, key)
    table = lists.tasks_csv(initiative, timezone.get_current_timezone())
    return csv_response(f"{initiative.key}-tasks", table)


@login_required
def initiative_updates_csv(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = _initiative(request, key)
    table = lists.updates_csv(initiative, timezone.get_current_timezone())
    return csv_response(f"{initiative.key}-updates", table)


@login_required
def initiative_slips_csv(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = _initiative(request, key)
    table = lists.slips_csv(initiative, timezone.get_current_timezone())
    return csv_response(f"{initiative.key}-date-changes", table)
