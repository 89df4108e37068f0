"""The web UI's URLs (mounted at the site root by ``tracker.urls``). Initiatives are addressed
by their ``KEY-N`` (``/i/PLAT-12/``); milestones, tasks and checklist items by id."""

from django.urls import path

from initiatives.web.views import dashboard, initiative, pages, tokens, weekly, work

urlpatterns = [
    # My work, teams and initiatives
    path("", pages.my_work, name="my-work"),
    path("teams/", pages.team_list, name="team-list"),
    path("teams/<str:team_key>/", pages.team_detail, name="team-detail"),
    path("teams/<str:team_key>/new/", initiative.initiative_create, name="initiative-create"),
    path("i/<str:key>/", initiative.initiative_detail, name="initiative-detail"),
    path("i/<str:key>/edit/", initiative.initiative_edit, name="initiative-edit"),
    path("i/<str:key>/move/", initiative.initiative_transition, name="initiative-transition"),
    path("i/<str:key>/people/", initiative.initiative_people, name="initiative-people"),
    path(
        "i/<str:key>/people/remove/",
        initiative.initiative_person_remove,
        name="initiative-person-remove",
    ),
    # Milestones, tasks, checklist items and the weekly update
    path("i/<str:key>/update/", work.status_update, name="status-update"),
    path("i/<str:key>/milestones/new/", work.milestone_create, name="milestone-create"),
    path("i/<str:key>/tasks/new/", work.task_create, name="task-create"),
    path("milestones/<int:pk>/edit/", work.milestone_edit, name="milestone-edit"),
    path("milestones/<int:pk>/move/", work.milestone_transition, name="milestone-transition"),
    path("tasks/<int:pk>/edit/", work.task_edit, name="task-edit"),
    path("tasks/<int:pk>/move/", work.task_move, name="task-move"),
    path("checklist-items/<int:pk>/tick/", work.checklist_item_tick, name="checklist-item-tick"),
    path("checklist-items/<int:pk>/waive/", work.checklist_item_waive, name="checklist-item-waive"),
    path(
        "checklist-items/<int:pk>/reopen/",
        work.checklist_item_reopen,
        name="checklist-item-reopen",
    ),
    # The portfolio dashboard and its CSV export
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/initiatives.csv", dashboard.dashboard_csv, name="dashboard-csv"),
    path("teams/<str:key>/dashboard/", dashboard.dashboard, name="team-dashboard"),
    path(
        "teams/<str:key>/dashboard/initiatives.csv",
        dashboard.dashboard_csv,
        name="team-dashboard-csv",
    ),
    # The weekly digest: preview, subscriptions, unsubscribe
    path("teams/<str:key>/digest/", weekly.digest_preview, name="weekly-digest-preview"),
    path(
        "teams/<str:key>/digest/subscription/",
        weekly.digest_subscription,
        name="weekly-subscription",
    ),
    path(
        "teams/<str:key>/digest/subscribers/",
        weekly.digest_subscribers,
        name="weekly-subscribers",
    ),
    path("digest/unsubscribe/<str:token>/", weekly.unsubscribe, name="weekly-unsubscribe"),
    # Personal access tokens for the API
    path("settings/tokens/", tokens.tokens_page, name="api-tokens"),
    path("settings/tokens/<int:pk>/revoke/", tokens.token_revoke_view, name="api-token-revoke"),
]
