"""The legacy API v0.1 at /api/v0.1/ (paths with a trailing slash, as its clients call them)."""

from django.urls import path

from core.api import legacy_views

urlpatterns = [
    path("teams/", legacy_views.LegacyTeamListView.as_view(), name="api_legacy_teams"),
    path("teams/<str:short_name>/", legacy_views.LegacyTeamDetailView.as_view(), name="api_legacy_team"),
    path("dones/", legacy_views.LegacyDoneListView.as_view(), name="api_legacy_dones"),
    path("dones/<str:done_id>/", legacy_views.LegacyDoneDetailView.as_view(), name="api_legacy_done"),
]
