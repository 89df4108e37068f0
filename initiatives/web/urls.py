"""The web UI's URLs (mounted at the site root by ``tracker.urls``). Initiatives are addressed
by their ``KEY-N`` (``/i/PLAT-12/``); milestones, tasks and checklist items by id."""

from django.contrib.auth import views as auth_views
from django.urls import path

from initiatives.web.views import (
    accounts,
    collab,
    dashboard,
    evidence,
    initiative,
    notifications,
    pages,
    tokens,
    weekly,
    work,
)
from tracker import converters  # noqa: F401  # registers <team>, <initiative>, <id>, <token>

urlpatterns = [
    # My work, teams and initiatives
    path("", pages.my_work, name="my-work"),
    path("teams/", pages.team_list, name="team-list"),
    path("teams/<team:team_key>/", pages.team_detail, name="team-detail"),
    path("teams/<team:team_key>/new/", initiative.initiative_create, name="initiative-create"),
    path("i/<initiative:key>/", initiative.initiative_detail, name="initiative-detail"),
    path("i/<initiative:key>/edit/", initiative.initiative_edit, name="initiative-edit"),
    path(
        "i/<initiative:key>/move/", initiative.initiative_transition, name="initiative-transition"
    ),
    path("i/<initiative:key>/evidence/", evidence.evidence_page, name="initiative-evidence"),
    path("i/<initiative:key>/people/", initiative.initiative_people, name="initiative-people"),
    path(
        "i/<initiative:key>/people/remove/",
        initiative.initiative_person_remove,
        name="initiative-person-remove",
    ),
    # Milestones, tasks, checklist items and the weekly update
    path("i/<initiative:key>/update/", work.status_update, name="status-update"),
    path("i/<initiative:key>/milestones/new/", work.milestone_create, name="milestone-create"),
    path("i/<initiative:key>/tasks/new/", work.task_create, name="task-create"),
    path("milestones/<id:pk>/edit/", work.milestone_edit, name="milestone-edit"),
    path("milestones/<id:pk>/move/", work.milestone_transition, name="milestone-transition"),
    path("tasks/<id:pk>/edit/", work.task_edit, name="task-edit"),
    path("tasks/<id:pk>/move/", work.task_move, name="task-move"),
    path("checklist-items/<id:pk>/tick/", work.checklist_item_tick, name="checklist-item-tick"),
    path("checklist-items/<id:pk>/waive/", work.checklist_item_waive, name="checklist-item-waive"),
    path(
        "checklist-items/<id:pk>/reopen/",
        work.checklist_item_reopen,
        name="checklist-item-reopen",
    ),
    # The portfolio dashboard and its CSV export
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/initiatives.csv", dashboard.dashboard_csv, name="dashboard-csv"),
    path("teams/<team:key>/dashboard/", dashboard.dashboard, name="team-dashboard"),
    path(
        "teams/<team:key>/dashboard/initiatives.csv",
        dashboard.dashboard_csv,
        name="team-dashboard-csv",
    ),
    # The weekly digest: preview, subscriptions, unsubscribe
    path("teams/<team:key>/digest/", weekly.digest_preview, name="weekly-digest-preview"),
    path(
        "teams/<team:key>/digest/subscription/",
        weekly.digest_subscription,
        name="weekly-subscription",
    ),
    path(
        "teams/<team:key>/digest/subscribers/",
        weekly.digest_subscribers,
        name="weekly-subscribers",
    ),
    path("digest/unsubscribe/<token:token>/", weekly.unsubscribe, name="weekly-unsubscribe"),
    # Discussion: comments, reactions, following, sign-off requests (views/collab.py)
    path("i/<initiative:key>/comments/", collab.comment_create, name="comment-create"),
    path("i/<initiative:key>/follow/", collab.follow, name="initiative-follow"),
    path("i/<initiative:key>/mentions/", collab.mention_suggestions, name="mention-suggestions"),
    path("comments/<id:pk>/edit/", collab.comment_edit, name="comment-edit"),
    path("comments/<id:pk>/remove/", collab.comment_remove, name="comment-remove"),
    path("comments/<id:pk>/react/", collab.comment_react, name="comment-react"),
    path("updates/<id:pk>/react/", collab.update_react, name="update-react"),
    path(
        "checklist-items/<id:pk>/request-signoff/",
        collab.signoff_request,
        name="signoff-request",
    ),
    path("signoff-requests/<id:pk>/decline/", collab.signoff_decline, name="signoff-decline"),
    # The inbox and notification preferences (views/notifications.py)
    path("inbox/", notifications.inbox, name="inbox"),
    path("inbox/read/", notifications.inbox_read, name="inbox-read"),
    path("inbox/<id:pk>/", notifications.inbox_open, name="inbox-open"),
    path("settings/notifications/", notifications.preferences, name="notification-preferences"),
    path(
        "notifications/unsubscribe/<token:token>/",
        notifications.unsubscribe,
        name="notifications-unsubscribe",
    ),
    # Signing in and out, changing and resetting the password (views/accounts.py throttles)
    path("accounts/login/", accounts.sign_in, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", accounts.password_reset, name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Personal access tokens for the API
    path("settings/tokens/", tokens.tokens_page, name="api-tokens"),
    path("settings/tokens/<id:pk>/revoke/", tokens.token_revoke_view, name="api-token-revoke"),
]
