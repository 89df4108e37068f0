"""``/api/``: the v1 endpoints, the OpenAPI schema and its interactive docs."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path

from initiatives.api.docs import swagger_view
from initiatives.api.errors import not_found
from initiatives.api.schema_view import CachedSchemaView
from initiatives.api.v1 import (
    chat,
    collab,
    evidence,
    goals,
    initiatives,
    intake,
    notifications,
    policies,
    portfolio,
    search,
    transfer,
    webhooks,
    work,
)
from tracker import converters  # noqa: F401  # registers <team>, <initiative>, <id>

v1 = [
    path("teams/", initiatives.TeamListView.as_view(), name="api-teams"),
    path("teams/<team:key>/", initiatives.TeamDetailView.as_view(), name="api-team"),
    path("teams/<team:key>/export/", transfer.TeamExportView.as_view(), name="api-team-export"),
    path("teams/<team:key>/webhooks/", webhooks.TeamWebhooksView.as_view(), name="api-webhooks"),
    path("initiatives/", initiatives.InitiativeListView.as_view(), name="api-initiatives"),
    path("teams/<team:key>/policies/", policies.TeamPolicyView.as_view(), name="api-team-policies"),
    path(
        "initiatives/<initiative:key>/blocked-by/",
        policies.DependenciesView.as_view(),
        name="api-initiative-blocked-by",
    ),
    path(
        "initiatives/<initiative:key>/blocked-by/<id:pk>/",
        policies.DependencyDetailView.as_view(),
        name="api-initiative-blocked-by-link",
    ),
    path(
        "initiatives/<initiative:key>/",
        initiatives.InitiativeDetailView.as_view(),
        name="api-initiative",
    ),
    path(
        "initiatives/<initiative:key>/transition/",
        initiatives.InitiativeTransitionView.as_view(),
        name="api-initiative-transition",
    ),
    path(
        "initiatives/<initiative:key>/checklists/",
        initiatives.ChecklistsView.as_view(),
        name="api-initiative-checklists",
    ),
    path(
        "initiatives/<initiative:key>/milestones/",
        work.MilestoneListView.as_view(),
        name="api-initiative-milestones",
    ),
    path(
        "initiatives/<initiative:key>/tasks/",
        work.TaskListView.as_view(),
        name="api-initiative-tasks",
    ),
    path(
        "initiatives/<initiative:key>/updates/",
        work.InitiativeUpdatesView.as_view(),
        name="api-initiative-updates",
    ),
    path(
        "initiatives/<initiative:key>/evidence/",
        evidence.EvidenceView.as_view(),
        name="api-initiative-evidence",
    ),
    path(
        "initiatives/<initiative:key>/activity/",
        work.ActivityView.as_view(),
        name="api-initiative-activity",
    ),
    path(
        "checklist-items/<id:pk>/",
        initiatives.ChecklistItemView.as_view(),
        name="api-checklist-item",
    ),
    path("milestones/<id:pk>/", work.MilestoneDetailView.as_view(), name="api-milestone"),
    path(
        "milestones/<id:pk>/transition/",
        work.MilestoneTransitionView.as_view(),
        name="api-milestone-transition",
    ),
    path("tasks/<id:pk>/", work.TaskDetailView.as_view(), name="api-task"),
    path("updates/", work.UpdateListView.as_view(), name="api-updates"),
    path("portfolio/", portfolio.PortfolioAPIView.as_view(), name="api-portfolio"),
    path("webhooks/<id:pk>/", webhooks.WebhookDetailView.as_view(), name="api-webhook"),
    path(
        "webhooks/<id:pk>/deliveries/",
        webhooks.WebhookDeliveriesView.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhook-deliveries/<id:pk>/redeliver/",
        webhooks.WebhookRedeliverView.as_view(),
        name="api-webhook-redeliver",
    ),
    path(
        "teams/<team:key>/chat-channels/",
        chat.TeamChatChannelsView.as_view(),
        name="api-chat-channels",
    ),
    path("chat-channels/<id:pk>/", chat.ChatChannelDetailView.as_view(), name="api-chat-channel"),
    path(
        "chat-channels/<id:pk>/deliveries/",
        chat.ChatChannelDeliveriesView.as_view(),
        name="api-chat-deliveries",
    ),
    path(
        "chat-deliveries/<id:pk>/redeliver/",
        chat.ChatRedeliverView.as_view(),
        name="api-chat-redeliver",
    ),
    # Intake (issue 19)
    path("teams/<team:key>/requests/", intake.TeamRequestsView.as_view(), name="api-team-requests"),
    path("requests/<id:pk>/", intake.RequestDetailView.as_view(), name="api-request"),
    path("requests/<id:pk>/triage/", intake.RequestTriageView.as_view(), name="api-request-triage"),
    path("teams/<team:key>/rotation/", intake.TeamRotationView.as_view(), name="api-team-rotation"),
    path("teams/<team:key>/on-call/", intake.TeamOnCallView.as_view(), name="api-team-on-call"),
    path("teams/<team:key>/alerts/", intake.TeamAlertsView.as_view(), name="api-team-alerts"),
    # Goals and key results (initiatives.goals)
    path("teams/<team:key>/goals/", goals.TeamGoalsView.as_view(), name="api-team-goals"),
    path("goals/<id:pk>/", goals.GoalDetailView.as_view(), name="api-goal"),
    path(
        "goals/<id:pk>/key-results/",
        goals.GoalKeyResultsView.as_view(),
        name="api-goal-key-results",
    ),
    path("key-results/<id:pk>/", goals.KeyResultDetailView.as_view(), name="api-key-result"),
    path(
        "key-results/<id:pk>/check-ins/",
        goals.CheckInsView.as_view(),
        name="api-key-result-check-ins",
    ),
    # Collaboration and notifications (initiatives.collab, initiatives.notifications)
    path(
        "initiatives/<initiative:key>/comments/",
        collab.InitiativeCommentsView.as_view(),
        name="api-initiative-comments",
    ),
    path(
        "initiatives/<initiative:key>/follow/",
        collab.FollowView.as_view(),
        name="api-initiative-follow",
    ),
    path("comments/<id:pk>/", collab.CommentDetailView.as_view(), name="api-comment"),
    path(
        "comments/<id:pk>/reactions/",
        collab.CommentReactionsView.as_view(),
        name="api-comment-reactions",
    ),
    path(
        "checklist-items/<id:pk>/signoff-requests/",
        collab.SignoffRequestCreateView.as_view(),
        name="api-signoff-requests",
    ),
    path(
        "signoff-requests/<id:pk>/decline/",
        collab.SignoffRequestDeclineView.as_view(),
        name="api-signoff-request-decline",
    ),
    path("search/", search.SearchView.as_view(), name="api-search"),
    path("notifications/", notifications.NotificationListView.as_view(), name="api-notifications"),
    path(
        "notifications/read/",
        notifications.NotificationReadView.as_view(),
        name="api-notifications-read",
    ),
    path(
        "me/notification-preferences/",
        notifications.PreferencesView.as_view(),
        name="api-notification-preferences",
    ),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", CachedSchemaView.as_view(), name="api-schema"),
    # A page for people: signing in first (the schema it loads needs a signed-in caller).
    path("docs/", login_required(swagger_view()), name="api-docs"),
    # Anything else under /api/ answers the API's JSON 404, not the site's HTML page.
    re_path(r"^.*$", not_found),
]
