"""The legacy API v0.1 at /api/v0.1/ (paths with a trailing slash, as its clients call them)."""

urlpatterns: list = []
