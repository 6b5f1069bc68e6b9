"""Small helpers the views share."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string


def posted(request):
    """The submitted data on a POST, None otherwise: a form built from it is bound only when someone submitted it.

    ``request.POST`` on a GET is an empty dict, not None, so passing it binds the form: the page then shows
    "required" errors and defaults instead of what is stored. ``request.POST or None`` has the opposite flaw:
    an empty POST becomes an unbound form and its errors go unsaid.
    """
    return request.POST if request.method == "POST" else None


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


def page_panels(request, page: str, **context) -> list:
    """Sections other apps add to one of core's pages (settings.PAGE_PANELS), so core imports none of them.
    Each is rendered where the page's template writes ``{{ panel }}`` (the template calls it), not before."""
    return [
        partial(import_string(path), request, **context) for path in getattr(settings, "PAGE_PANELS", {}).get(page, [])
    ]
