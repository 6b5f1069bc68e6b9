"""API v2 at /api/v2/. Paths are written without a trailing slash, as the original's; each also answers with
one, as the original's router did, so a client that joins its base URL and paths with slashes still works.
Any other path under /api/ gets a JSON 404 from portal/urls.py, so endpoints added here need nothing else."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api import hooks, views


def endpoint(route: str, view, name: str) -> list:
    """``route`` and ``route/``; only the first is named (reversed, documented in the schema)."""
    return [path(route, view, name=name), path(f"{route}/", view)]


urlpatterns = [
    *endpoint("noop", views.NoopView.as_view(), "api_noop"),
    *endpoint("teams", views.TeamListView.as_view(), "api_teams"),
    *endpoint("teams/<str:team_hash>", views.TeamDetailView.as_view(), "api_team"),
    *endpoint("teams/<str:team_hash>/entries", views.TeamEntryListView.as_view(), "api_team_entries"),
    *endpoint("entries", views.EntryListView.as_view(), "api_entries"),
    *endpoint("entries/<str:entry_hash>", views.EntryDetailView.as_view(), "api_entry"),
    *endpoint("hooks", hooks.HookListView.as_view(), "api_hooks"),
    *endpoint("hooks/<str:hook_id>", hooks.HookDetailView.as_view(), "api_hook"),
    *endpoint("hooks/<str:hook_id>/rotate_secret", hooks.HookSecretRotateView.as_view(), "api_hook_rotate_secret"),
    path("schema", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
