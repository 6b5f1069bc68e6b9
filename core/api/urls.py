"""API v2 at /api/v2/ (paths without a trailing slash, as the original's). Any other path under /api/
gets a JSON 404 from portal/urls.py, so endpoints added here need nothing else."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api import hooks, views

urlpatterns = [
    path("noop", views.NoopView.as_view(), name="api_noop"),
    path("teams", views.TeamListView.as_view(), name="api_teams"),
    path("teams/<str:team_hash>", views.TeamDetailView.as_view(), name="api_team"),
    path("teams/<str:team_hash>/entries", views.TeamEntryListView.as_view(), name="api_team_entries"),
    path("entries", views.EntryListView.as_view(), name="api_entries"),
    path("entries/<str:entry_hash>", views.EntryDetailView.as_view(), name="api_entry"),
    path("hooks", hooks.HookListView.as_view(), name="api_hooks"),
    path("hooks/<str:hook_id>", hooks.HookDetailView.as_view(), name="api_hook"),
    path("hooks/<str:hook_id>/rotate_secret", hooks.HookSecretRotateView.as_view(), name="api_hook_rotate_secret"),
    path("schema", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
