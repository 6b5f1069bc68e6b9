"""The operations portal: Django's admin, extended through its supported hooks.

The index is the operations dashboard (tiles from ``ops/admin/tiles.py``); the portal's own pages
are listed in ``ops/admin/pages/PAGES`` and mounted here under ``/admin/ops/`` behind staff login and their
permission.
"""

import threading

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.urls import get_script_prefix, path
from django.utils.translation import get_language

from core.web.throttle import THROTTLED_MESSAGE, LoginThrottleMixin
from ops.roles import has_ops_permission, ops_permission_required


class AdminLoginForm(LoginThrottleMixin, AdminAuthenticationForm):
    """The admin's login, throttled exactly like the product's (same counter: one account, one address)."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": THROTTLED_MESSAGE}


class OpsAdminSite(admin.AdminSite):
    site_header = "iDoneThis operations"
    site_title = "iDoneThis ops"
    index_title = "Operations"
    index_template = "admin/ops/index.html"
    login_form = AdminLoginForm  # throttled like the product's login

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_lists: dict[tuple, list] = {}
        self._app_lists_lock = threading.Lock()

    def get_app_list(self, request, app_label=None):
        """Every admin page builds the app list for its sidebar: ~40 models, each asked for its
        permissions and reversed twice, about a fifth of a lean page's Python time. What it holds
        depends only on what the person may do (every ModelAdmin here decides from permissions alone),
        the URL prefix and the language, so it is kept per process for exactly those."""
        user = request.user
        if app_label is not None or not user.is_active:
            return super().get_app_list(request, app_label)
        may = "superuser" if user.is_superuser else frozenset(user.get_all_permissions())
        key = (may, user.is_staff, get_script_prefix(), get_language())
        with self._app_lists_lock:
            known = self._app_lists.get(key)
        if known is None:
            known = super().get_app_list(request)
            with self._app_lists_lock:
                if len(self._app_lists) >= 256:
                    self._app_lists.clear()
                self._app_lists[key] = known
        # A page may annotate its copy; the kept one stays as built. Apps, their models and the models'
        # permissions are the only containers in it (the rest are strings, flags and model classes):
        # copied level by level, a few times cheaper than deepcopy.
        return [{**app, "models": [{**m, "perms": dict(m["perms"])} for m in app["models"]]} for app in known]

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
                   "can_find": has_ops_permission(request.user, "core.view_user"),
                   **(extra_context or {})}
        return super().index(request, extra_context=context)
