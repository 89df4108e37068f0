"""The web UI's URLs (mounted at the site root by ``tracker.urls``). Initiatives are addressed
by their ``KEY-N`` (``/i/PLAT-12/``); milestones, tasks and checklist items by id."""

from django.contrib.auth import views as auth_views
from django.urls import path

from initiatives.web.views import (
    accounts,
    chat,
    collab,
    dashboard,
    evidence,
    goals,
    initiative,
    intake,
    intake_settings,
    integrations,
    notifications,
    pages,
    policies,
    preview,
    profile,
    search,
    sso,
    tokens,
    transfer,
    weekly,
    work,
)
from tracker import converters  # noqa: F401  # registers <team>, <initiative>, <id>, <token>

urlpatterns = [
    # My work, teams and initiatives
    path("", pages.my_work, name="my-work"),
    path("search/", search.search_page, name="search"),
    path("settings/profile/", profile.profile, name="profile"),
    path("preview/markdown/", preview.markdown_preview, name="markdown-preview"),
    path("go/board/", profile.go, {"where": "board"}, name="go-board"),
    path("go/new/", profile.go, {"where": "new"}, name="go-new"),
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
    # Team policies, priority moves and blocked-by links (views/policies.py)
    path("teams/<team:key>/policies/", policies.team_policies, name="team-policies"),
    path("i/<initiative:key>/rank/", policies.initiative_rank, name="initiative-rank"),
    path("i/<initiative:key>/blocked-by/", policies.dependency_add, name="dependency-add"),
    path(
        "i/<initiative:key>/blocked-by/<id:pk>/remove/",
        policies.dependency_remove,
        name="dependency-remove",
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
    # Chat: a team's channels, message previews, one's chat settings, and the endpoints that
    # Slack and Mattermost call (authenticated by their signature or token, not a session)
    path("teams/<team:key>/chat/", chat.team_channels, name="chat-channels"),
    path("teams/<team:key>/chat/preview/", chat.message_preview, name="chat-preview"),
    path("chat/channels/<id:pk>/", chat.channel_detail, name="chat-channel"),
    path("chat/channels/<id:pk>/delete/", chat.channel_delete, name="chat-channel-delete"),
    path("chat/deliveries/<id:pk>/resend/", chat.delivery_resend, name="chat-delivery-resend"),
    path("settings/chat/", chat.chat_settings, name="chat-settings"),
    path("integrations/slack/commands/", integrations.slack_command, name="slack-command"),
    path(
        "integrations/slack/interactions/",
        integrations.slack_interaction,
        name="slack-interaction",
    ),
    path(
        "integrations/mattermost/commands/",
        integrations.mattermost_command,
        name="mattermost-command",
    ),
    # CSV downloads of the lists above (views/transfer.py)
    path(
        "teams/<team:team_key>/initiatives.csv",
        transfer.team_initiatives_csv,
        name="team-initiatives-csv",
    ),
    path(
        "i/<initiative:key>/tasks.csv", transfer.initiative_tasks_csv, name="initiative-tasks-csv"
    ),
    path(
        "i/<initiative:key>/updates.csv",
        transfer.initiative_updates_csv,
        name="initiative-updates-csv",
    ),
    path(
        "i/<initiative:key>/slips.csv", transfer.initiative_slips_csv, name="initiative-slips-csv"
    ),
    # Goals and key results
    path("teams/<team:key>/goals/", goals.team_goals, name="goals-team"),
    path("teams/<team:key>/goals/new/", goals.goal_create, name="goal-create"),
    path("goals/<id:pk>/", goals.goal_detail, name="goal-detail"),
    path("goals/<id:pk>/edit/", goals.goal_edit, name="goal-edit"),
    path("goals/<id:pk>/key-results/new/", goals.key_result_create, name="key-result-create"),
    path("key-results/<id:pk>/edit/", goals.key_result_edit, name="key-result-edit"),
    path("key-results/<id:pk>/check-in/", goals.key_result_check_in, name="key-result-check-in"),
    path("key-results/<id:pk>/link/", goals.key_result_link, name="key-result-link"),
    path("key-results/<id:pk>/unlink/", goals.key_result_unlink, name="key-result-unlink"),
    # Intake: asking a team, my requests, a request, the triage queue, the rota, intake tokens
    path("requests/", intake.my_requests, name="intake-my-requests"),
    path("requests/<id:pk>/", intake.request_detail, name="intake-request"),
    path("requests/<id:pk>/triage/", intake.request_triage, name="intake-triage"),
    path("requests/<id:pk>/answer/", intake.request_answer, name="intake-answer"),
    path("teams/<team:key>/ask/", intake.ask, name="intake-ask"),
    path("teams/<team:key>/requests/", intake.queue, name="intake-queue"),
    path("teams/<team:key>/requests/bulk/", intake.queue_bulk, name="intake-bulk"),
    path("teams/<team:key>/on-call/", intake_settings.rota_page, name="intake-rota"),
    path(
        "teams/<team:key>/on-call/rotation/",
        intake_settings.rotation_edit,
        name="intake-rotation-edit",
    ),
    path(
        "teams/<team:key>/on-call/overrides/",
        intake_settings.override_add,
        name="intake-override-add",
    ),
    path(
        "teams/<team:key>/on-call/overrides/<id:pk>/remove/",
        intake_settings.override_remove,
        name="intake-override-remove",
    ),
    path("teams/<team:key>/intake-tokens/", intake_settings.tokens_page, name="intake-tokens"),
    path(
        "teams/<team:key>/intake-tokens/<id:pk>/revoke/",
        intake_settings.token_revoke,
        name="intake-token-revoke",
    ),
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
    path("accounts/logout/", accounts.sign_out, name="logout"),
    # Single sign-on (OpenID Connect; views/sso.py): off (404) unless configured
    path("oidc/authenticate/", sso.sso_start, name="sso-start"),
    path("oidc/callback/", sso.sso_callback, name="sso-callback"),
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
