"""What keeps the initiative page cheap to render: cached Markdown, option lists built once per
page, bounded lists of updates and activity with the rest reachable."""

import pytest
from django.urls import reverse

from initiatives import services
from initiatives.models import ActivityEvent, Health, StatusUpdate, Task, TaskState
from initiatives.selectors.initiative_page import ACTIVITY_PAGE, UPDATES_SHOWN
from initiatives.web.templatetags import shipshape
from initiatives.web.templatetags.shipshape import Options, render_markdown
from tests.web.conftest import populate


def test_markdown_cache_returns_sanitised_output_every_time():
    source = "<script>alert('x')</script>\n\n**ok** [x](javascript:alert(1))"
    first = render_markdown(source)
    hits = shipshape._render_markdown_cached.cache_info().hits
    second = render_markdown(source)
    assert shipshape._render_markdown_cached.cache_info().hits == hits + 1
    assert first == second
    assert "<script" not in second and "javascript:" not in second
    assert "<strong>ok</strong>" in second


def test_markdown_cache_is_keyed_by_the_text():
    assert "<em>a</em>" in render_markdown("*a*")
    assert "<strong>a</strong>" in render_markdown("**a**")
    assert render_markdown("") == render_markdown(None) == ""


def test_long_markdown_is_rendered_without_the_cache():
    source = "<img src=x onerror=alert(1)>" + "word " * shipshape.MARKDOWN_CACHE_MAX_CHARS
    size = shipshape._render_markdown_cached.cache_info().currsize
    html = render_markdown(source)
    assert "onerror" not in html and "<img" not in html
    assert shipshape._render_markdown_cached.cache_info().currsize == size


# --- Option lists --------------------------------------------------------------------------


def test_options_mark_only_the_selected_value_and_escape_labels():
    choices = Options([(1, "Ann <admin>"), (2, 'Bo "B"'), (12, "Cy")], blank="Unassigned")
    html = str(choices.render(12))
    assert html.startswith('<option value="">Unassigned</option>')
    assert '<option value="12" selected>Cy</option>' in html
    assert '<option value="1">Ann &lt;admin&gt;</option>' in html
    assert "&quot;B&quot;" in html and html.count("selected") == 1


def test_options_select_the_blank_option_for_no_value():
    html = str(Options([("todo", "To do")], blank="Unassigned").render(None))
    assert '<option value="" selected>Unassigned</option>' in html
    assert "selected" not in str(Options([("todo", "To do")]).render("done"))


def test_task_rows_preselect_their_assignee_and_state(client, team, people):
    initiative = populate(team, people, 2)[0]
    task = Task.objects.filter(initiative=initiative).first()
    services.task_update(
        task=task,
        actor=people["dri"],
        changes={"assignee": people["engineer"], "state": TaskState.IN_PROGRESS},
    )
    task.refresh_from_db()
    assert task.assignee_id == people["engineer"].pk
    client.force_login(people["dri"])
    html = client.get(initiative.get_absolute_url()).content.decode()
    row = html[html.index(f'id="task-{task.pk}"') :]
    assignee = row[row.index(f'id="assignee-{task.pk}"') : row.index("</select>")]
    assert f'<option value="{task.assignee_id}" selected>' in assignee
    assert assignee.count(" selected") == 1
    state_select = row[row.index(f'id="state-{task.pk}"') :]
    state_select = state_select[: state_select.index("</select>")]
    assert f'<option value="{task.state}" selected>' in state_select
    assert state_select.count(" selected") == 1
    assert f'action="{reverse("task-move", args=[task.pk])}"' in row


# --- Bounded lists, with the rest reachable ----------------------------------------------------


def _weekly_updates(initiative, author, n):
    for week in range(1, n + 1):
        StatusUpdate.objects.create(
            initiative=initiative, week=f"2025-W{week:02}", health=Health.ON_TRACK,
            progress=f"Progress of week {week}", author=author,
        )  # fmt: skip


def test_page_shows_the_newest_updates_and_links_to_the_rest(client, people, initiative):
    _weekly_updates(initiative, people["dri"], UPDATES_SHOWN + 2)
    client.force_login(people["viewer"])
    html = client.get(initiative.get_absolute_url()).content.decode()
    newest, oldest = f"week {UPDATES_SHOWN + 2}", "week 1<"
    assert newest in html and oldest not in html
    assert html.count('class="update ') == UPDATES_SHOWN
    assert "?updates=all#updates" in html

    html = client.get(initiative.get_absolute_url(), {"updates": "all"}).content.decode()
    assert html.count('class="update ') == UPDATES_SHOWN + 2
    assert oldest in html and "?updates=all" not in html


def test_few_updates_show_no_link(client, people, initiative):
    _weekly_updates(initiative, people["dri"], UPDATES_SHOWN)
    client.force_login(people["dri"])
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert html.count('class="update ') == UPDATES_SHOWN and "?updates=all" not in html


def test_older_activity_is_reachable_page_by_page(client, people, initiative):
    for n in range(ACTIVITY_PAGE + 5):
        ActivityEvent.objects.create(
            team=initiative.team, initiative=initiative, actor=people["dri"], verb="test",
            summary=f"event number {n:03}",
        )  # fmt: skip
    total = ActivityEvent.objects.filter(initiative=initiative).count()
    client.force_login(people["viewer"])
    url = initiative.get_absolute_url()
    first = client.get(url).content.decode()
    assert "event number 024" in first and "event number 000" not in first
    assert "?activity=2#activity" in first and "?activity=0" not in first

    seen = set()
    for page in range(1, total // ACTIVITY_PAGE + 2):
        html = client.get(url, {"activity": page}).content.decode()
        seen |= {n for n in range(ACTIVITY_PAGE + 5) if f"event number {n:03}" in html}
    assert seen == set(range(ACTIVITY_PAGE + 5))
    last = client.get(url, {"activity": total // ACTIVITY_PAGE + 1}).content.decode()
    assert f"?activity={total // ACTIVITY_PAGE}#activity" in last  # back to newer
    # Not a page number: refused (400 naming it), like every unusable query value (issue 14).
    assert client.get(url, {"activity": "nonsense"}).status_code == 400


@pytest.mark.parametrize("who", ["dri", "viewer", "em"])
@pytest.mark.parametrize("query", [{}, {"updates": "all", "activity": "2"}])
def test_page_query_count_does_not_grow_with_data(
    client, team, people, who, query, django_assert_max_num_queries
):
    """Every role's variant of the page (forms or read-only rows) and the full-history views
    stay within the page's budget: no deferred column is fetched row by row."""
    rows = populate(team, people, 12)
    _weekly_updates(rows[0], people["dri"], UPDATES_SHOWN + 3)
    client.force_login(people[who])
    # 12, 4 for the discussion (comments, reactions, open sign-off requests, following) and
    # 1 for the blocked-by links.
    with django_assert_max_num_queries(17):
        response = client.get(rows[0].get_absolute_url(), query)
    assert response.status_code == 200
