"""``/api/``: the v1 endpoints, the OpenAPI schema and its interactive docs."""

from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView

from initiatives.api.docs import swagger_view
from initiatives.api.errors import not_found
from initiatives.api.v1 import initiatives, portfolio, webhooks, work


class IdConverter:
    """A database id: digits that fit a 64-bit integer (others are a 404, not an overflow)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

v1 = [
    path("teams/", initiatives.TeamListView.as_view(), name="api-teams"),
    path("teams/<str:key>/", initiatives.TeamDetailView.as_view(), name="api-team"),
    path("teams/<str:key>/webhooks/", webhooks.TeamWebhooksView.as_view(), name="api-webhooks"),
    path("initiatives/", initiatives.InitiativeListView.as_view(), name="api-initiatives"),
    path(
        "initiatives/<str:key>/", initiatives.InitiativeDetailView.as_view(), name="api-initiative"
    ),
    path(
        "initiatives/<str:key>/transition/",
        initiatives.InitiativeTransitionView.as_view(),
        name="api-initiative-transition",
    ),
    path(
        "initiatives/<str:key>/checklists/",
        initiatives.ChecklistsView.as_view(),
        name="api-initiative-checklists",
    ),
    path(
        "initiatives/<str:key>/milestones/",
        work.MilestoneListView.as_view(),
        name="api-initiative-milestones",
    ),
    path("initiatives/<str:key>/tasks/", work.TaskListView.as_view(), name="api-initiative-tasks"),
    path(
        "initiatives/<str:key>/updates/",
        work.InitiativeUpdatesView.as_view(),
        name="api-initiative-updates",
    ),
    path(
        "initiatives/<str:key>/activity/",
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
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", swagger_view(), name="api-docs"),
    # Anything else under /api/ answers the API's JSON 404, not the site's HTML page.
    re_path(r"^.*$", not_found),
]
