"""Error pages in the app's own layout: 404 and 403 (the portal's in the admin's layout, with Django's own
``admin/404.html``); 500 and CSRF failures render plain templates (``500.html``, ``403_csrf.html``) that
need no database."""

from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from core.web.unavailable import wants_json


def _in_admin(request) -> bool:
    return request.path.startswith("/admin/") and request.user.is_authenticated and request.user.is_staff


def bad_request(request, exception):
    """A request Django refuses before any view (a Host it does not serve, a suspicious operation): JSON for
    the API's clients, Django's plain page for everyone else."""
    if wants_json(request):
        return JsonResponse({"error": "Bad request"}, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if _in_admin(request):
        return render(request, "admin/404.html", admin.site.each_context(request), status=404)
    return render(request, "404.html", {"request_path": request.path}, status=404)


def permission_denied(request, exception):
    reason = str(exception) if exception and str(exception) else ""
    if _in_admin(request):
        context = {**admin.site.each_context(request), "reason": reason, "title": "Not allowed"}
        return render(request, "admin/403.html", context, status=403)
    return render(request, "403.html", {"reason": reason}, status=403)
