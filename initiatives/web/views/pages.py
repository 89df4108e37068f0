"""Read-only pages: my work, the team list and a team's board and table."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from initiatives.collab.selectors import requests_for
from initiatives.intake.selectors import on_call_duties
from initiatives.models import Health, Membership, State, Team
from initiatives.policies.selectors import wip_count, you_are_blocking
from initiatives.rules import permissions as perms
from initiatives.selectors import my_work as my_work_read
from initiatives.selectors import pages as read
from initiatives.selectors.versions import (
    half_hour,
    read_key,
    remember,
    user_team_versions,
)
from initiatives.web import params
from initiatives.web.views.base import AuthenticatedHttpRequest
from initiatives.web.views.intake import team_header

# My work's "Requests for you": the sign-off requests asked of the viewer, due first.
REQUESTS_SHOWN = 20


@login_required
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every section capped, or with ``?section=<name>&page=<n>`` one section in full, a page
    at a time; unknown values fall back to the overview and the first page."""
    # Cached for the viewer under the versions of all their teams (a membership change is a
    # write too), the half hour (due dates are relative to today) and the query string.
    key = read_key(
        "my-work",
        request.user.pk,
        user_team_versions(request.user),
        half_hour(),
        sorted(request.GET.lists()),
    )

    def build() -> str:
        page = request.GET.get("page", "")
        work = my_work_read.my_work(
            request.user,
            section=request.GET.get("section", ""),
            page=int(page) if page.isascii() and page.isdigit() and len(page) < 6 else 1,
        )
        requests = [] if work.section else list(requests_for(request.user)[:REQUESTS_SHOWN])
        context = {
            "work": work,
            "on_call": [] if work.section else on_call_duties(request.user),
            "requests": requests,
            # "You are blocking": the viewer's initiatives others wait for (policies).
            "blocking": [] if work.section else you_are_blocking(request.user),
        }
        html = render_to_string("initiatives/_my_work_body.html", context, request=request)
        return mark_safe(html)

    body = remember(key, build)
    return render(request, "initiatives/my_work.html", {"body": body})


@login_required
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "initiatives/team_list.html", {"memberships": read.teams_of(request.user)}
    )


def board_filters(request: AuthenticatedHttpRequest) -> read.BoardFilters:
    """Filters from the query string; unknown values are ignored rather than refused, so a
    stale bookmark still shows the board."""
    state = request.GET.get("state", "")
    health = request.GET.get("health", "")
    sort = request.GET.get("sort", "key")
    return read.BoardFilters(
        state=state if state in State.values else "",
        health=health if health in Health.values else "",
        dri=params.positive_int(request.GET, "dri"),
        q=request.GET.get("q", "")[:100],
        sort=sort if sort.lstrip("-") in read.SORT_COLUMNS else "key",
    )


def _listing(
    request: AuthenticatedHttpRequest, team: Team, filters: read.BoardFilters, view: str
) -> tuple[int, str]:
    """The board or the table page, rendered, and how many initiatives match. Kept in the
    cache under the team's data version, the team's current week (stale and update-due flags
    change with it) and the query string; a hit costs one query."""
    # Managers see the priority moves when sorted by rank: a separate cached copy.
    can_rank = filters.sort == "rank" and perms.can_rank(perms.actor_for(request.user, team))
    key = read_key(
        "team-listing",
        team.pk,
        team.data_version,  # read with the team by team_for, before the listing
        read.week_in(team),
        view,
        can_rank,
        sorted(request.GET.lists()),
    )

    def build() -> tuple[int, str]:
        context: dict[str, Any] = {"team": team, "filters": filters, "can_rank": can_rank}
        context["here"] = request.get_full_path()
        if view == "table":
            table = read.team_table(team, filters, request.GET.get("page"))
            context.update(page=table.page, rows=table.rows, total=table.page.paginator.count)
            context["current_week"] = read.week_in(team)
            html = render_to_string("initiatives/_table.html", context, request=request)
        else:
            board = read.team_board(team, filters)
            context.update(board=board, total=board.total)
            # The In delivery column's header: its count against the team's WIP limit (the
            # column's own count unless a filter narrows it).
            unfiltered = not any([filters.state, filters.health, filters.dri, filters.q])
            column = next(c for c in board.columns if c.state == State.IN_DELIVERY)
            context["wip"] = wip_count(team, column.total if unfiltered else None)
            html = render_to_string("initiatives/_board.html", context, request=request)
        return context["total"], mark_safe(html)

    return remember(key, build)


@login_required
def team_detail(request: AuthenticatedHttpRequest, team_key: str) -> HttpResponse:
    """A team's board or table. The page's content is cached whole under the team's data
    version (read with the team), its current week, the half hour (the intake counts), the
    viewer's role and the query string: a repeat view costs the team's row and one cache
    read, and any write to the team shows at once."""
    try:
        team = read.team_for(request.user, team_key)
    except Team.DoesNotExist:
        raise Http404("No such team.") from None
    filters = board_filters(request)
    view = "table" if request.GET.get("view") == "table" else "board"
    actor = perms.actor_for(request.user, team)  # the role came with the team
    key = read_key(
        "team-page",
        team.pk,
        team.data_version,
        read.week_in(team),
        half_hour(),
        actor.role,
        sorted(request.GET.lists()),
    )

    def build() -> str:
        total, listing = _listing(request, team, filters, view)
        people: list[Membership] = read.team_people(team)
        context = {
            "team": team,
            "total": total,
            "listing": listing,
            "filters": filters,
            "view": view,
            "dris": read.contributors(people),
            "states": State.choices,
            "healths": Health.choices,
            "can_create": perms.can_create_initiative(actor),
            "filtered": any([filters.state, filters.health, filters.dri, filters.q]),
            "intake": team_header(team),
        }
        html = render_to_string("initiatives/_team_page.html", context, request=request)
        return mark_safe(html)

    context = {"team": team, "content": remember(key, build)}
    return render(request, "initiatives/team_detail.html", context)
