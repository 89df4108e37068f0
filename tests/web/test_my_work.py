"""My work (``/``): every section capped, ordered by what needs attention first, with its total
counted by the database; each section reachable in full a page at a time."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives import services
from initiatives.models import (
    ChecklistItem,
    ChecklistKind,
    Health,
    Initiative,
    ItemStatus,
    Milestone,
    SignoffRole,
    State,
    Task,
    TaskState,
)
from initiatives.rules.checklists import is_required, stricter_risk
from initiatives.rules.workflow import iso_week, next_gate, passed_gates
from initiatives.selectors.my_work import OVERVIEW_CAPS, PAGE_SIZE, my_work
from initiatives.selectors.pages import week_in
from tests.web.conftest import advance

LONG_AGO = timezone.now() - dt.timedelta(weeks=10)


def _initiatives(team, dri, n, **fields):
    """``n`` initiatives driven by ``dri``, created through the service (so they have their
    checklists) and then put straight into the state the test needs."""
    rows = [
        services.initiative_create(team=team, actor=dri, dri=dri, title=f"Bulk {i}")
        for i in range(n)
    ]
    if fields:
        Initiative.objects.filter(pk__in=[r.pk for r in rows]).update(**fields)
    return rows


def _tasks(initiative, assignee, n, **fields):
    return Task.objects.bulk_create(
        Task(initiative=initiative, title=f"Task {i}", assignee=assignee, **fields)
        for i in range(n)
    )


def _milestones(initiative, n, due):
    return Milestone.objects.bulk_create(
        Milestone(initiative=initiative, title=f"MS {i}", due_date=due, original_due_date=due)
        for i in range(n)
    )


# --- Initiatives I drive ---------------------------------------------------------------------


def test_my_initiatives_are_capped_with_the_rest_counted_and_linked(client, team, people):
    dri = people["dri"]
    _initiatives(team, dri, OVERVIEW_CAPS["initiatives"] + 3)
    client.force_login(dri)
    response = client.get(reverse("my-work"))
    section = response.context["work"].initiatives
    assert len(section.rows) == OVERVIEW_CAPS["initiatives"]
    assert section.total == OVERVIEW_CAPS["initiatives"] + 3 and section.more == 3
    html = response.content.decode()
    assert '<a href="?section=initiatives">3 more</a>' in html
    assert f"/teams/{team.key}/?dri={dri.pk}&amp;view=table" in html


def test_my_initiatives_put_red_then_stale_then_update_due_first(client, team, people):
    dri = people["dri"]
    this_week = week_in(team)
    quiet, red, on_track, due, stale = _initiatives(
        team, dri, 5, state=State.SCOPING, health=Health.ON_TRACK, last_update_week=this_week
    )
    Initiative.objects.filter(pk=quiet.pk).update(state=State.DISCOVERY, last_update_week="")
    Initiative.objects.filter(pk=red.pk).update(health=Health.OFF_TRACK)
    Initiative.objects.filter(pk=due.pk).update(last_update_week="")
    Initiative.objects.filter(pk=stale.pk).update(
        last_update_week=iso_week(LONG_AGO.date()), created_at=LONG_AGO
    )
    _initiatives(team, dri, 1, state=State.DONE)  # closed: not listed
    client.force_login(dri)
    response = client.get(reverse("my-work"))
    section = response.context["work"].initiatives
    assert [r.pk for r in section.rows] == [red.pk, stale.pk, due.pk, on_track.pk, quiet.pk]
    # The SQL ranking agrees with the Python flags the rows are shown with.
    assert [r.stale for r in section.rows] == [False, True, False, False, False]
    assert [r.update_due for r in section.rows] == [False, True, True, False, False]
    assert section.counts == {"red": 1, "stale": 1, "update_due": 2}
    html = response.content.decode()
    assert "1 off track" in html and "1 stale" in html and "2 need an update this week" in html
    assert "DoR 0/" in html


def test_a_new_initiative_without_updates_is_due_but_not_stale(client, team, people):
    dri = people["dri"]
    (fresh,) = _initiatives(team, dri, 1, state=State.SCOPING)
    work = my_work(dri)
    assert work.initiatives.counts == {"red": 0, "stale": 0, "update_due": 1}
    assert work.initiatives.rows[0].pk == fresh.pk and not work.initiatives.rows[0].stale


def test_every_initiative_is_reachable_page_by_page(client, team, people):
    dri = people["dri"]
    rows = _initiatives(team, dri, PAGE_SIZE + 2)
    client.force_login(dri)
    url = reverse("my-work")
    first = client.get(url, {"section": "initiatives"})
    work = first.context["work"]
    assert work.signoffs is None and work.tasks is None and work.milestones is None
    assert len(work.initiatives.rows) == PAGE_SIZE and work.initiatives.pages == 2
    assert "?section=initiatives&amp;page=2" in first.content.decode()
    second = client.get(url, {"section": "initiatives", "page": 2}).context["work"]
    seen = {r.pk for r in work.initiatives.rows} | {r.pk for r in second.initiatives.rows}
    assert seen == {r.pk for r in rows}
    beyond = client.get(url, {"section": "initiatives", "page": 9})
    assert beyond.context["work"].initiatives.total == PAGE_SIZE + 2
    assert "No more initiatives" in beyond.content.decode()
    assert "?section=initiatives&amp;page=2" in beyond.content.decode()


@pytest.mark.parametrize(
    "query", [{"page": "x"}, {"page": "²"}, {"page": "-1"}, {"section": "nope"}, {"page": "9" * 40}]
)
def test_odd_section_and_page_values_show_the_overview(client, people, query):
    client.force_login(people["dri"])
    response = client.get(reverse("my-work"), query)
    assert response.status_code == 200
    assert response.context["work"].tasks is not None or query.get("section") is None


# --- Sign-offs -------------------------------------------------------------------------------


def _decidable(item, initiative) -> bool:
    """What the sign-off queue should hold, asked of the rules one item at a time."""
    state = initiative.state
    if state == State.PAUSED:
        return False
    gates = {next_gate(state), *passed_gates(state)}
    facts_risk = stricter_risk(initiative.security_risk, initiative.security_risk_signed)
    return item.kind in gates and is_required(item, facts_risk)


def test_signoffs_are_only_what_can_be_decided_now_grouped_oldest_first(client, team, people):
    dri, em, security = people["dri"], people["em"], people["security"]
    delivering = _initiatives(team, dri, 1, title="Delivering")[0]
    advance(delivering, em, to_delivery=True)
    low = _initiatives(team, dri, 1)[0]
    advance(low, em, to_delivery=True)
    Initiative.objects.filter(pk=low.pk).update(security_risk="low")
    scoping = _initiatives(team, dri, 11, state=State.SCOPING)
    discovery = _initiatives(team, dri, 1)[0]
    paused = _initiatives(team, dri, 1, state=State.PAUSED, paused_from=State.SCOPING)[0]
    # The oldest wait first: the scoping ones entered their state earliest.
    now = timezone.now()
    for age, row in enumerate(reversed([*scoping, discovery, delivering, low, paused])):
        Initiative.objects.filter(pk=row.pk).update(state_changed_at=now - dt.timedelta(days=age))
    by_pk = {i.pk: i for i in Initiative.objects.all()}
    waiting = ChecklistItem.objects.filter(
        signoff_role=SignoffRole.SECURITY, status=ItemStatus.OPEN
    ).exclude(initiative__dri=security)
    expected = [item for item in waiting if _decidable(item, by_pk[item.initiative_id])]
    assert len(expected) > 10
    client.force_login(security)
    response = client.get(reverse("my-work"), {"section": "signoffs"})
    section = response.context["work"].signoffs
    assert section.total == len(expected)
    assert {row.pk for row in section.rows} == {item.pk for item in expected}
    shown = {row.initiative_id for row in section.rows}
    assert paused.pk not in shown  # paused: nothing to decide
    # The DoD approval of a low-risk initiative is optional: it waits for nobody.
    assert not any(r.initiative_id == low.pk and r.kind == ChecklistKind.DONE for r in section.rows)
    # Discovery and scoping: their DoR only; delivery: the DoD (and a DoR reopened).
    assert {r.kind for r in section.rows if r.initiative_id == discovery.pk} == {"ready"}
    assert {r.kind for r in section.rows if r.initiative_id != delivering.pk} <= {
        "ready",
        "done",
    }
    assert any(r.initiative_id == delivering.pk and r.kind == "done" for r in section.rows)
    # Grouped by initiative, the longest waiting first, each under its title.
    order = [r.initiative_id for r in section.rows]
    groups = [pk for i, pk in enumerate(order) if i == 0 or order[i - 1] != pk]
    assert len(groups) == len(set(groups))
    assert groups[0] == scoping[0].pk
    html = response.content.decode()
    assert "Bulk 0" in html and "Delivering" in html
    # The DRI does not sign off their own initiatives.
    client.force_login(dri)
    assert client.get(reverse("my-work")).context["work"].signoffs.total == 0


def test_stakeholder_signoffs_are_listed_for_stakeholders_only(client, team, people):
    pm = people["pm"]
    listed, _not_listed = _initiatives(team, people["dri"], 2, state=State.IN_DELIVERY)
    listed.stakeholders.add(pm)
    section = my_work(pm).signoffs
    stakeholder_items = ChecklistItem.objects.filter(
        initiative=listed, signoff_role=SignoffRole.STAKEHOLDER, status=ItemStatus.OPEN
    )
    assert section.total == stakeholder_items.count() > 0
    assert {item.initiative_id for item in section.rows} == {listed.pk}


# --- Tasks -----------------------------------------------------------------------------------


def test_my_tasks_are_capped_counted_and_soonest_milestone_first(client, team, people):
    dri = people["dri"]
    initiative = _initiatives(team, dri, 1, state=State.IN_DELIVERY)[0]
    today = timezone.localdate()
    late, later = _milestones(initiative, 1, today + dt.timedelta(days=2)) + _milestones(
        initiative, 1, today + dt.timedelta(days=20)
    )
    _tasks(initiative, dri, OVERVIEW_CAPS["tasks"])  # no milestone, to do
    urgent = _tasks(initiative, dri, 2, milestone=late)
    (started,) = _tasks(initiative, dri, 1, milestone=later, state=TaskState.IN_PROGRESS)
    (waiting,) = _tasks(initiative, dri, 1, milestone=later)
    _tasks(initiative, dri, 3, state=TaskState.DONE)  # closed: not counted
    _tasks(initiative, people["engineer"], 2)  # someone else's
    cancelled = _initiatives(team, dri, 1, state=State.CANCELLED)[0]
    _tasks(cancelled, dri, 2)
    client.force_login(dri)
    response = client.get(reverse("my-work"))
    section = response.context["work"].tasks
    assert section.total == OVERVIEW_CAPS["tasks"] + 4
    assert len(section.rows) == OVERVIEW_CAPS["tasks"] and section.more == 4
    assert [t.pk for t in section.rows[:4]] == [*(t.pk for t in urgent), started.pk, waiting.pk]
    assert '<a href="?section=tasks">4 more</a>' in response.content.decode()


# --- Milestones ------------------------------------------------------------------------------


def test_my_milestones_are_capped_overdue_first_and_counted(client, team, people):
    dri, engineer = people["dri"], people["engineer"]
    mine, theirs, worked_on = _initiatives(team, dri, 3, state=State.IN_DELIVERY)
    Initiative.objects.filter(pk__in=[theirs.pk, worked_on.pk]).update(dri=people["em"])
    worked_on.members.add(engineer)
    today = timezone.localdate()
    overdue = _milestones(mine, 3, today - dt.timedelta(days=4))
    _milestones(mine, OVERVIEW_CAPS["milestones"], today + dt.timedelta(days=5))
    _milestones(mine, 2, today + dt.timedelta(days=40))  # not due soon
    _milestones(theirs, 2, today)  # not mine
    member_due = _milestones(worked_on, 1, today - dt.timedelta(days=9))
    client.force_login(dri)
    section = client.get(reverse("my-work")).context["work"].milestones
    assert section.total == OVERVIEW_CAPS["milestones"] + 3
    assert len(section.rows) == OVERVIEW_CAPS["milestones"]
    assert section.counts == {"overdue": 3}
    assert [m.pk for m in section.rows[:3]] == [m.pk for m in overdue]
    assert all(m.overdue for m in section.rows[:3]) and not section.rows[3].overdue
    # Members see the milestones of the initiatives they work on.
    assert [m.pk for m in my_work(engineer).milestones.rows] == [member_due[0].pk]


# --- Query budget ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("section", ["", "initiatives", "signoffs", "tasks", "milestones"])
def test_my_work_query_count_does_not_grow_with_the_data(
    client, team, people, size, section, django_assert_max_num_queries
):
    dri = people["dri"]
    rows = _initiatives(team, dri, size, state=State.IN_DELIVERY)
    today = timezone.localdate()
    for row in rows[:3]:
        _tasks(row, dri, size)
        _milestones(row, size, today)
        row.members.add(people["security"])
    client.force_login(dri)
    params = {"section": section, "page": 2} if section else {}
    # Session and user (2), the teams' versions (the cache key), memberships, DRI rows,
    # sign-offs, tasks, milestones; the overview also asks which teams one is on call for
    # (intake), the requests for you (collab) and what one is blocking (policies); a section
    # page runs memberships and its own list (plus a count when past the end).
    budget = 8 if section else 11
    with django_assert_max_num_queries(budget):
        response = client.get(reverse("my-work"), params)
    assert response.status_code == 200
    client.force_login(people["security"])
    with django_assert_max_num_queries(budget):
        assert client.get(reverse("my-work"), params).status_code == 200


def test_people_who_can_sign_off_nothing_skip_the_signoff_query(
    client, team, people, django_assert_max_num_queries
):
    _initiatives(team, people["dri"], 3, state=State.SCOPING)
    client.force_login(people["engineer"])
    # Session and user (2), the teams' versions, memberships, DRI rows, tasks, milestones, the
    # teams one is on call for (intake), requests for you (collab), what one is blocking
    # (policies).
    with django_assert_max_num_queries(10):
        response = client.get(reverse("my-work"))
    assert "Nothing waits for your sign-off" in response.content.decode()
