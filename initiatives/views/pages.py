"""Read-only pages: my work, the team list and a team's board and table."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .. import permissions as perms
from ..models import Health, Membership, State, Team
from ..selectors import my_work as my_work_read
from ..selectors import pages as read


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """Every section capped, or with ``?section=<name>&page=<n>`` one section in full, a page
    at a time; unknown values fall back to the overview and the first page."""
    page = request.GET.get("page", "")
    work = my_work_read.my_work(
        request.user,
        section=request.GET.get("section", ""),
        page=int(page) if page.isascii() and page.isdigit() and len(page) < 6 else 1,
    )
    return render(request, "initiatives/my_work.html", {"work": work})


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "initiatives/team_list.html", {"memberships": read.teams_of(request.user)}
    )


def _filters(request: HttpRequest) -> read.BoardFilters:
    """Filters from the query string; unknown values are ignored rather than refused, so a
    stale bookmark still shows the board."""
    state = request.GET.get("state", "")
    health = request.GET.get("health", "")
    dri = request.GET.get("dri", "")
    sort = request.GET.get("sort", "key")
    return read.BoardFilters(
        state=state if state in State.values else "",
        health=health if health in Health.values else "",
        dri=int(dri) if dri.isdigit() else None,
        q=request.GET.get("q", "")[:100],
        sort=sort if sort.lstrip("-") in read.SORT_COLUMNS else "key",
    )


@login_required
def team_detail(request: HttpRequest, team_key: str) -> HttpResponse:
    try:
        team = read.team_for(request.user, team_key)
    except Team.DoesNotExist:
        raise Http404("No such team.") from None
    filters = _filters(request)
    rows = read.team_board(team, filters)
    people: list[Membership] = read.team_people(team)
    actor = perms.actor_for(request.user, team)
    view = "table" if request.GET.get("view") == "table" else "board"
    return render(
        request,
        "initiatives/team_detail.html",
        {
            "team": team,
            "rows": rows,
            "columns": read.board_columns(rows),
            "filters": filters,
            "view": view,
            "dris": read.contributors(people),
            "states": State.choices,
            "healths": Health.choices,
            "current_week": read.week_in(team),
            "can_create": perms.can_create_initiative(actor),
            "filtered": any([filters.state, filters.health, filters.dri, filters.q]),
        },
    )
