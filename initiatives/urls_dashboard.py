"""The EM portfolio dashboard, its CSV export and its JSON twin (``/api/v1/portfolio/``)."""

from django.urls import path

from .views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/initiatives.csv", dashboard.dashboard_csv, name="dashboard-csv"),
    path("teams/<str:key>/dashboard/", dashboard.dashboard, name="team-dashboard"),
    path(
        "teams/<str:key>/dashboard/initiatives.csv",
        dashboard.dashboard_csv,
        name="team-dashboard-csv",
    ),
    path("api/v1/portfolio/", dashboard.PortfolioAPIView.as_view(), name="api-portfolio"),
]
