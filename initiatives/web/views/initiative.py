"""The initiative page and the forms that change the initiative itself: create, edit, move
through its life cycle (with gates and the EM override), members and stakeholders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Func, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from initiatives import services
from initiatives.compiled import CompiledRead
from initiatives.models import (
    ChecklistItem,
    ChecklistKind,
    Initiative,
    ItemStatus,
    MilestoneState,
    State,
    TaskState,
    Team,
)
from initiatives.models.initiative import split_key
from initiatives.policies.checks import delivery_breaches
from initiatives.policies.selectors import dependencies_of
from initiatives.rules import permissions as perms
from initiatives.rules.checklists import GateResult, is_required, rule_met
from initiatives.rules.dates import DateMoves, change_kind, date_moves, team_today
from initiatives.rules.exceptions import GateBlocked
from initiatives.rules.workflow import (
    FORWARD,
    MilestoneTransition,
    due_status,
    milestone_start_refusal,
    milestone_transitions_from,
    transitions_from,
)
from initiatives.selectors import initiative_page as page_read
from initiatives.selectors import pages as read
from initiatives.selectors.initiatives import InitiativeDetail, MilestoneRow
from initiatives.selectors.versions import half_hour, read_key, remember, team_version
from initiatives.web import params
from initiatives.web.forms import (
    InitiativeCreateForm,
    InitiativeForm,
    PersonForm,
    TickForm,
    TransitionForm,
    WaiveForm,
)
from initiatives.web.inplace import (
    blocked_from,
    placed_messages,
    rebuild,
    say,
    stash_refusal,
    take_refusal,
)
from initiatives.web.templatetags.shipshape import Options, person
from initiatives.web.views.base import AuthenticatedHttpRequest, attempt, require_offered
from initiatives.web.views.collab import discussion
from initiatives.web.views.goals import initiative_key_results


def get_initiative(request: AuthenticatedHttpRequest, key: str) -> Initiative:
    try:
        return read.initiative_for(request.user, key)
    except Initiative.DoesNotExist:
        raise Http404("No such initiative.") from None


# --- The page --------------------------------------------------------------------------------


@dataclass
class Failed:
    """A form posted from the initiative page that came back with errors, shown in place."""

    name: str  # "transition", "tick", "waive", "task", "person"
    form: forms.Form
    target: int | str | None = None  # the item id or the transition target


@dataclass(frozen=True, slots=True)
class ChecklistItemView:
    """A checklist item as the page shows it to this viewer: what it may do with the item
    (by the permissions module), the mark, and the form that came back refused, if any."""

    item: ChecklistItem
    ref: str  # the id as text: printed in three ids, and an int is localised every time
    mark: str
    is_optional: bool
    rule_ok: bool | None  # None: no automatic rule
    needs_first: str  # the rule to meet before ticking by hand
    tick_url: str  # empty when the viewer may not tick it; likewise below
    waive_url: str
    reopen_url: str
    tick_failed: forms.Form | None
    waive_failed: forms.Form | None


@dataclass
class Section:
    title: str
    items: list[ChecklistItemView] = field(default_factory=list)


@dataclass
class Checklist:
    kind: str
    label: str
    gate: Any
    sections: list[Section]
    open: bool = True  # expanded: the gate is the one worked on now (``_checklist_open``)
    waived: int = 0


# Where an initiative stands for its checklists: a paused one as where it was paused from.
_WORKS_ON_DOR = {State.DISCOVERY, State.SCOPING}
_WORKS_ON_DOD = {State.IN_DELIVERY, State.DONE}


def _checklist_open(kind: str, state: str, gate: Any) -> bool:
    """The DoR is open while it is worked on (discovery, scoping) and whenever it is not met;
    once ready and met it folds away. The DoD stays folded until delivery."""
    if kind == ChecklistKind.READY:
        return state in _WORKS_ON_DOR or not getattr(gate, "met", True)
    return state in _WORKS_ON_DOD


def _pk_urls(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for a route whose only argument is an ``<int:pk>``, resolved
    once per page instead of once per row (a page links 200 rows' forms)."""
    marker = 987654321
    head, _, tail = reverse(name, args=[marker]).rpartition(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


# A tick for done, an en dash for waived.
TICK_MARKS: dict[str, str] = {ItemStatus.DONE: "✓", ItemStatus.WAIVED: "\u2013"}


class _ItemActions:
    """Decides, per item, what the viewer may do and where its forms post: no queries (the
    initiative's people come with the detail), so the template only prints."""

    def __init__(self, page: page_read.InitiativePage, actor: perms.Actor, failed: Failed | None):
        detail = page.initiative
        self.actor, self.failed = actor, failed
        self.facts, self.risk = detail.facts, detail.facts.scaling_risk
        self.initiative, self.people = detail.initiative, detail.people
        # A refused tick or waiver is shown again in place, on its own item only.
        self.failed_item = failed.target if failed and failed.name in ("tick", "waive") else None
        self.urls = {
            name: _pk_urls(f"checklist-item-{name}") for name in ("tick", "waive", "reopen")
        }

    def view(self, item: ChecklistItem) -> ChecklistItemView:
        actor, initiative, people = self.actor, self.initiative, self.people
        rule_ok = rule_met(item, self.facts) if item.rule else None
        is_open = item.status == ItemStatus.OPEN
        can_tick = (
            is_open
            and not item.is_automatic
            and perms.tick_refusal(actor, item, initiative, people) is None
        )
        can_waive = (
            item.status != ItemStatus.WAIVED
            and perms.waive_refusal(actor, item, initiative) is None
        )
        can_reopen = not is_open and perms.reopen_refusal(actor, item, initiative, people) is None
        refused = self.failed if self.failed is not None and item.pk == self.failed_item else None
        return ChecklistItemView(
            item=item,
            ref=str(item.pk),
            mark=TICK_MARKS.get(item.status) or ("✓" if rule_ok and item.is_automatic else "○"),
            is_optional=not is_required(item, self.risk),
            rule_ok=rule_ok,
            needs_first=(
                item.get_rule_display().lower()
                if is_open and item.rule and not item.is_automatic and not rule_ok
                else ""
            ),
            tick_url=self.urls["tick"](item.pk) if can_tick else "",
            waive_url=self.urls["waive"](item.pk) if can_waive else "",
            reopen_url=self.urls["reopen"](item.pk) if can_reopen else "",
            tick_failed=refused.form if refused and refused.name == "tick" else None,
            waive_failed=refused.form if refused and refused.name == "waive" else None,
        )


def _checklists(
    page: page_read.InitiativePage,
    actor: perms.Actor,
    failed: Failed | None,
    *,
    placed: dict[str, Any],
    blocked: GateBlocked | None,
) -> list[Checklist]:
    actions = _ItemActions(page, actor, failed)
    by_kind: dict[str, dict[str, Section]] = defaultdict(dict)
    # A checklist holding the answer to what was just done (a message, a refused form, an item
    # a refused move is missing) is shown open, whatever the state.
    wanted: set[str] = set()
    waived: dict[str, int] = defaultdict(int)
    for item in page.items:
        sections = by_kind[item.kind]
        sections.setdefault(item.section, Section(item.section)).items.append(actions.view(item))
        if f"item-{item.pk}" in placed or (failed is not None and failed.target == item.pk):
            wanted.add(item.kind)
        if item.status == ItemStatus.WAIVED:
            waived[item.kind] += 1
    if blocked is not None:
        wanted.add(blocked.gate)
    initiative = page.initiative
    state = initiative.paused_from if initiative.state == State.PAUSED else initiative.state
    gates = initiative.gates
    return [
        Checklist(
            kind,
            label,
            gates.of(kind),
            list(by_kind[kind].values()),
            open=kind in wanted or _checklist_open(kind, state, gates.of(kind)),
            waived=waived[kind],
        )
        for kind, label in ChecklistKind.choices
    ]


def _tasks(page: page_read.InitiativePage, can_tasks: bool) -> list[page_read.TaskRow]:
    if can_tasks:
        edit_url = _pk_urls("task-edit")
        move_url = _pk_urls("task-move")
        for task in page.tasks:
            task.edit_url = edit_url(task.pk)
            task.move_url = move_url(task.pk)
    return page.tasks


def _transitions(initiative: InitiativeDetail, actor: perms.Actor) -> list[dict[str, Any]]:
    if initiative.state == State.CANCELLED or not perms.can_transition(
        actor, initiative.initiative
    ):
        return []
    moves = []
    for move in transitions_from(initiative.state, paused_from=initiative.paused_from):
        if move.em_only and not perms.can_reopen_done(actor):
            continue
        gate = initiative.gates.of(move.gate) if move.gate else None
        missing = gate.missing if isinstance(gate, GateResult) else []
        for entry in missing:
            entry.setdefault("anchor", f"item-{entry['id']}")
        blocked = bool(gate and not gate.met)
        moves.append(
            {
                "move": move,
                "gate": gate,
                "blocked": blocked,
                # Certain to be refused: the gate it passes is not met. A move that re-checks
                # a gate passed before may still go through on an earlier override's word
                # (the service decides): it stays offered.
                "disabled": blocked and not move.recheck,
                "forward": move.target == FORWARD.get(initiative.state)
                or (initiative.state == State.PAUSED and move.target != State.CANCELLED),
            }
        )
    # The forward move first: it is the page's primary action.
    moves.sort(key=lambda m: not m["forward"])
    return moves


@dataclass(frozen=True, slots=True)
class MilestoneMove:
    """A milestone move as offered: ``refusal`` says why it cannot succeed now (shown beside
    the disabled button and read out with it), empty when it can."""

    move: MilestoneTransition
    refusal: str = ""

    @property
    def target(self) -> str:
        return self.move.target

    @property
    def label(self) -> str:
        return self.move.label


def _milestone_moves(row: MilestoneRow, initiative_state: str) -> list[MilestoneMove]:
    """The rules' moves of a milestone: Start only while the initiative is in delivery (it
    would always be refused before: not offered); Complete disabled while tasks are open."""
    moves = []
    for move in milestone_transitions_from(row.milestone.state):
        refusal = ""
        starts = move.target == MilestoneState.IN_PROGRESS and row.milestone.state == "planned"
        if starts and milestone_start_refusal(initiative_state):
            continue
        if move.target == MilestoneState.DONE and row.tasks_closed < row.tasks_total:
            still_open = row.tasks_total - row.tasks_closed
            refusal = f"Close every task of the milestone first ({still_open} open)."
        moves.append(MilestoneMove(move, refusal))
    return moves


@dataclass(frozen=True, slots=True)
class MilestoneView:
    """A milestone of the page with its progress, slips and the moves the viewer may make."""

    row: MilestoneRow
    overdue: bool
    moves: list[MilestoneMove]
    move_url: str
    edit_url: str
    date_moves: DateMoves  # its slips and pull-ins (``rules.dates``)
    changes: list[tuple[Any, str]]  # every date change, with its kind (slip, pull_in, planning)


def _milestones(initiative: InitiativeDetail, can_manage: bool) -> list[MilestoneView]:
    move_url, edit_url = _pk_urls("milestone-transition"), _pk_urls("milestone-edit")
    today = team_today(initiative.initiative.team.tz)  # overdue in the team's time zone
    return [
        MilestoneView(
            row=row,
            overdue=row.milestone.is_open
            and due_status(row.milestone.due_date, today) == "overdue",
            date_moves=date_moves(row.slips, row.milestone.started_at),
            changes=[
                (
                    slip,
                    change_kind(
                        old=slip.old_date,
                        new=slip.new_date,
                        changed_at=slip.created_at,
                        started_at=row.milestone.started_at,
                    ),
                )
                for slip in row.slips
            ],
            moves=_milestone_moves(row, initiative.state) if can_manage else [],
            move_url=move_url(row.milestone.pk),
            edit_url=edit_url(row.milestone.pk),
        )
        for row in initiative.milestones
    ]


# Built once per process (initiatives.compiled): every view of the page reads it first. The
# version of all teams keys the key results the initiative serves (another team's goal's).
_PAGE_VERSIONS: CompiledRead[Initiative] = CompiledRead(
    lambda team_key, number, user_id: (
        Initiative.objects.filter(
            team__key=team_key, number=number, team__memberships__user_id=user_id
        )
        .annotate(
            team_version=team_version(OuterRef("team_id")),
            all_version=Subquery(
                Team.objects.annotate(n=Func(F("data_version"), function="SUM"))
                .order_by()
                .values("n")[:1]
            ),
        )
        .order_by()
        .values_list("pk", "team_version", "all_version")[:1]
    ),
    team_key=str,
    number=int,
    user_id=int,
)


def page_versions(request: AuthenticatedHttpRequest, key: str) -> tuple[int, int, int]:
    """(id, team's data version, all teams' version) of the initiative ``key`` the viewer may
    see; Http404 otherwise. One query."""
    parts = split_key(key)
    found = (
        _PAGE_VERSIONS.values(team_key=parts[0], number=parts[1], user_id=request.user.pk)
        if parts is not None
        else []
    )
    if not found:
        raise Http404("No such initiative.")
    pk, version, everything = found[0]
    return pk, version or 0, everything or 0


def _page_cache_key(
    request: AuthenticatedHttpRequest, key: str
) -> tuple[str, tuple[int, int, int]] | None:
    """Where the rendered page is cached for this viewer, with the versions read for it
    (``page_versions``), or None when it must not be: the page holds the viewer's permissions
    and CSRF tokens, so the key has the user and the CSRF secret their browser holds (a
    request without one gets a fresh page and a new secret), the team's data version, the
    half hour (due dates and stale flags are relative to today) and the query string."""
    secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if request.method != "GET" or not secret:
        return None
    versions = page_versions(request, key)
    found = versions[:2]
    cache_key = read_key(
        "initiative-page",
        found,
        request.user.pk,
        secret,
        half_hour(),
        sorted(request.GET.lists()),
    )
    return cache_key, versions


def render_initiative(
    request: AuthenticatedHttpRequest,
    key: str,
    *,
    status: int = 200,
    blocked: GateBlocked | None = None,
    failed: Failed | None = None,
) -> HttpResponse:
    """The initiative page; ``blocked`` and ``failed`` redisplay a refused POST in place
    (an htmx request), or the refusal stashed by the POST that redirected here (``refused``).
    Messages placed at an element of the page are printed there (``web/inplace.py``)."""
    if request.method == "GET" and blocked is None and failed is None:
        blocked, failed = _restore(request, key)
    placed = placed_messages(request)

    def build() -> tuple[str, str]:
        context = _page_context(request, key, blocked=blocked, failed=failed, placed=placed)
        body = render_to_string("initiatives/_initiative_body.html", context, request=request)
        return f"{context['initiative'].key} {context['initiative'].title}", mark_safe(body)

    fresh = blocked is None and failed is None and not placed
    cached = _page_cache_key(request, key) if fresh else None
    title, body = remember(cached[0], build) if cached else build()
    # The key results it serves: outside the cached body, keyed by the version of all teams (a
    # key result of another team's goal changes without this initiative's team).
    all_version = cached[1][2] if cached else None
    context = {
        "title": title,
        "body": body,
        "key_results": initiative_key_results(request, key, all_version=all_version),
    }
    return render(request, "initiatives/initiative_detail.html", context, status=status)


_REFUSABLE_FORMS: dict[str, type[forms.Form]] = {
    "transition": TransitionForm,
    "tick": TickForm,
    "waive": WaiveForm,
}


def _restore(request: HttpRequest, key: str) -> tuple[GateBlocked | None, Failed | None]:
    """The refused form stashed by the POST that redirected here, rebuilt as it was."""
    refusal = take_refusal(request, key)
    if refusal is None or refusal.name not in _REFUSABLE_FORMS:
        return None, None
    data = QueryDict(mutable=True)
    for name, values in refusal.data.items():
        data.setlist(name, values)
    form = rebuild(_REFUSABLE_FORMS[refusal.name](data), refusal.errors)
    return blocked_from(refusal.blocked), Failed(refusal.name, form, refusal.target)


def refused(
    request: AuthenticatedHttpRequest,
    key: str,
    status: int,
    failed: Failed,
    anchor: str,
    *,
    blocked: GateBlocked | None = None,
) -> HttpResponse:
    """The answer to a refused form of the initiative page: to htmx, the page with the form
    and its errors (status kept; htmx swaps the part in place); to a plain browser, a redirect
    to the page's own URL at the form, which shows it refused once (no resubmit on reload)."""
    if getattr(request, "htmx", False):
        return render_initiative(request, key, status=status, blocked=blocked, failed=failed)
    stash_refusal(
        request, key, name=failed.name, target=failed.target, form=failed.form, blocked=blocked
    )
    response = HttpResponseRedirect(f"{reverse('initiative-detail', args=[key])}#{anchor}")
    response.status_code = 303
    return response


def _page_context(
    request: AuthenticatedHttpRequest,
    key: str,
    *,
    blocked: GateBlocked | None,
    failed: Failed | None,
    placed: dict[str, Any],
) -> dict[str, Any]:
    try:
        page = page_read.initiative_page(
            request.user,
            key,
            all_updates=request.GET.get("updates") == "all",
            activity_page=params.positive_int(request.GET, "activity", 1) or 1,
        )
    except Initiative.DoesNotExist:
        raise Http404("No such initiative.") from None
    initiative = page.initiative
    model = initiative.initiative
    actor = perms.actor_for(request.user, initiative.team_id)
    writable = initiative.state != State.CANCELLED
    can_tasks = writable and perms.can_manage_tasks(actor, model)
    can_milestones = writable and perms.can_manage_milestones(actor, model, initiative.people)
    can_post_update = (
        writable and initiative.state != State.DONE and perms.can_post_update(actor, model)
    )
    if blocked is not None:
        # Link each missing item to its row in the checklist below.
        for entry in blocked.missing:
            entry.setdefault("anchor", f"item-{entry['id']}")
    return {
        "initiative": initiative,
        "page": page,
        "actor": actor,
        "checklists": _checklists(page, actor, failed, placed=placed, blocked=blocked),
        "placed": placed,
        "transitions": _transitions(initiative, actor),
        "milestones": _milestones(initiative, can_milestones),
        "tasks": _tasks(page, can_tasks),
        "members": initiative.members,
        "stakeholders": initiative.stakeholders,
        # Built once per page; every task row only marks its own value selected.
        "assignee_options": Options(
            ((u.pk, person(u)) for u in read.contributors(page.people)), blank="Unassigned"
        ),
        "task_state_options": Options(TaskState.choices),
        "milestone_states": MilestoneState,
        "current_week": read.week_in(initiative.team),
        "can_edit": writable and perms.can_edit_initiative(actor, model),
        "can_post_update": can_post_update,
        "update_due": can_post_update and page.update_due,
        "can_people": writable and perms.can_manage_people(actor, model),
        "can_override": perms.can_override_gate(actor),
        "can_tasks": can_tasks,
        "can_milestones": can_milestones,
        "blocked": blocked,
        "failed": failed,
        # Comments, reactions, following and sign-off requests (views/collab.py).
        "discussion": discussion(request, page, actor),
        # What the team's policies would say to starting delivery now (initiatives.policies).
        "policy_warnings": _policy_warnings(model, actor) if writable else [],
        # Blocked by / blocking (initiatives.policies).
        "dependencies": dependencies_of(model, request.user),
        "can_block": writable and perms.can_mark_blocked(actor, model),
    }


def _policy_warnings(initiative: Initiative, actor: perms.Actor) -> list[str]:
    """The sentences of the policies a start of delivery would meet now, for whoever may make
    it (no query unless the initiative is ready, or paused on its way back to delivery)."""
    starts = initiative.state == State.READY or (
        initiative.state == State.PAUSED and initiative.paused_from == State.IN_DELIVERY
    )
    if not starts or not perms.can_transition(actor, initiative):
        return []
    breaches = delivery_breaches(initiative, initiative.state, State.IN_DELIVERY, lock=False)
    return [b.sentence for b in breaches]


@login_required
def initiative_detail(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    return render_initiative(request, key)


# --- Create and edit -------------------------------------------------------------------------


@login_required
def initiative_create(request: AuthenticatedHttpRequest, team_key: str) -> HttpResponse:
    try:
        team = read.team_for(request.user, team_key)
    except Team.DoesNotExist:
        raise Http404("No such team.") from None
    require_offered(perms.can_create_initiative(perms.actor_for(request.user, team)))
    form = InitiativeCreateForm(request.POST or None, team=team, initial={"dri": request.user.pk})
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request, services.initiative_create, form=form, team=team, actor=request.user,
            **form.cleaned_data,
        )  # fmt: skip
        if outcome.ok:
            messages.success(request, f"Created {outcome.value.key}.")
            return redirect(outcome.value)
        status = outcome.status
    return render(
        request, "initiatives/initiative_form.html", {"form": form, "team": team}, status=status
    )


@login_required
def initiative_edit(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = get_initiative(request, key)
    actor = perms.actor_for(request.user, initiative.team_id)
    require_offered(perms.can_edit_initiative(actor, initiative))
    form = InitiativeForm(
        request.POST or None,
        team=initiative.team,
        initial=InitiativeForm.initial_for(initiative),
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request,
            services.initiative_update,
            form=form,
            initiative=initiative,
            actor=request.user,
            changes={k: v for k, v in form.cleaned_data.items() if k != "reason"},
            expected_version=_version(request),
            reason=form.cleaned_data["reason"],
        )
        if outcome.ok:
            messages.success(request, f"Saved {initiative.key}.")
            return redirect(initiative)
        status = outcome.status
    return render(
        request,
        "initiatives/initiative_form.html",
        {"form": form, "team": initiative.team, "initiative": initiative},
        status=status,
    )


def _version(request: AuthenticatedHttpRequest) -> int | None:
    """The version the form was rendered from; the service refuses a stale edit (412)."""
    return params.positive_int(request.POST, "version")


# --- Transitions -----------------------------------------------------------------------------


@login_required
@require_POST
def initiative_transition(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = get_initiative(request, key)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        failed = Failed("transition", form, request.POST.get("to"))
        return refused(request, initiative.key, 400, failed, "moves")
    data = form.cleaned_data
    outcome = attempt(
        request,
        services.initiative_transition,
        form=form,
        anchor="moves",
        initiative=initiative,
        to=data["to"],
        actor=request.user,
        reason=data["reason"],
        override=data["override"],
    )
    if outcome.ok:
        state = outcome.value.get_state_display()
        say(request, messages.SUCCESS, f"{initiative.key} is now {state}.", "moves")
        return HttpResponseRedirect(f"{initiative.get_absolute_url()}#moves")
    failed = Failed("transition", form, data["to"])
    # Back at the refused form itself: the override's or the reason's, else the moves.
    anchor = "moves"
    if outcome.gate_blocked is None and data["override"]:
        anchor = f"override-{data['to']}"
    elif outcome.gate_blocked is None and form.has_error("reason"):
        anchor = f"move-{data['to']}"
    return refused(
        request, initiative.key, outcome.status, failed, anchor, blocked=outcome.gate_blocked
    )


# --- Members and stakeholders ----------------------------------------------------------------


@login_required
def initiative_people(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = get_initiative(request, key)
    actor = perms.actor_for(request.user, initiative.team_id)
    can_manage = perms.can_manage_people(actor, initiative)
    form = PersonForm(request.POST or None, team=initiative.team)
    status = 200
    if request.method == "POST":
        require_offered(can_manage)
        status = 400
        if form.is_valid():
            outcome = attempt(
                request,
                services.initiative_person_add,
                form=form,
                initiative=initiative,
                actor=request.user,
                **form.cleaned_data,
            )
            if outcome.ok:
                data = form.cleaned_data
                messages.success(request, f"Added {data['user']} as {data['kind']}.")
                return redirect("initiative-people", key=initiative.key)
            status = outcome.status
    return render(
        request,
        "initiatives/people.html",
        {
            "initiative": initiative,
            "form": form,
            "can_manage": can_manage,
            "members": list(initiative.members.all()),
            "stakeholders": list(initiative.stakeholders.all()),
        },
        status=status,
    )


@login_required
@require_POST
def initiative_person_remove(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    initiative = get_initiative(request, key)
    form = PersonForm(request.POST, team=initiative.team)
    if form.is_valid():
        outcome = attempt(
            request,
            services.initiative_person_remove,
            initiative=initiative,
            actor=request.user,
            **form.cleaned_data,
        )
        if outcome.ok:
            data = form.cleaned_data
            messages.success(request, f"Removed {data['user']} as {data['kind']}.")
    else:
        # A user from outside the team or a made-up kind: the service would refuse it too.
        require_offered(
            perms.can_manage_people(perms.actor_for(request.user, initiative.team_id), initiative)
        )
        messages.error(request, "Choose a person of the team and member or stakeholder.")
    return redirect("initiative-people", key=initiative.key)
