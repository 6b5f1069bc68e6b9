"""The operations portal: Django's admin, extended through its supported hooks.

The index is the operations dashboard (tiles from ``ops/admin/tiles.py``); the portal's own pages
are listed in ``ops/admin/pages/PAGES`` and mounted here under ``/admin/ops/`` behind staff login and their
permission.
"""

from django.contrib import admin
from django.urls import path

from ops.roles import has_ops_permission, ops_permission_required


class OpsAdminSite(admin.AdminSite):
    site_header = "iDoneThis operations"
    site_title = "iDoneThis ops"
    index_title = "Operations"
    index_template = "admin/ops/index.html"

    def get_urls(self):
        from ops.admin.pages import PAGES

        ours = [
            path(f"ops/{page.path}", self.admin_view(ops_permission_required(page.permission)(page.view)),
                 name=page.name)
            for page in PAGES
        ]
        return ours + super().get_urls()

    def index(self, request, extra_context=None):
        from ops.admin.pages import PAGES
        from ops.admin.tiles import tiles_for

        pages = [p for p in PAGES if p.title and has_ops_permission(request.user, p.permission)]
        from ops.admin.charts import dashboard_charts

        context = {"tiles": tiles_for(request), "ops_pages": pages, "charts": dashboard_charts(request),
                   **(extra_context or {})}
        return super().index(request, extra_context=context)
