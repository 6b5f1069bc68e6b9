"""Small helpers the views share."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.http import url_has_allowed_host_and_scheme


def run_service(request, action) -> bool:
    """Run a service call, turning its refusals into a message on the page rather than an error page."""
    try:
        action()
    except (ValueError, PermissionDenied) as error:
        messages.error(request, str(error) or "You cannot do that.")
        return False
    return True


def safe_next(request) -> str | None:
    """The ``next`` the form carried, when it is one of our own pages (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None
