"""Refuses a request that carries a NUL byte where a page reads input, before any view does.

PostgreSQL refuses NUL in text, so a NUL in a URL segment (a team's hash), the query string (a search), a
cookie or a form field would reach a lookup and end as the database's error, a 500. No browser sends one:
this is hostile or broken input, and it gets a clear 400. Files posted in a form may hold any bytes and are
not looked at. The API, webhook and Slack paths are left to answer in their own terms (a NUL in an API token is
the API's 401, tested there), and only the site's own forms have their fields looked at.
"""

from django.core.exceptions import BadRequest

from core.web.unavailable import wants_json

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not wants_json(request) and _nul_in_address_or_cookies(request):
            raise BadRequest("A NUL byte is not allowed in a request.")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only the site's own forms (CSRF-protected views): the exempt ones, the mail provider's and Slack's
        # webhooks and the API, read and check their bodies themselves, some from the raw stream.
        if getattr(view_func, "csrf_exempt", False):
            return None
        if request.method == "POST" and request.content_type in _FORMS and _nul_in(request.POST):
            raise BadRequest("A NUL byte is not allowed in a form.")
        return None


def _nul_in_address_or_cookies(request) -> bool:
    query = request.META.get("QUERY_STRING", "")
    return (
        "\x00" in request.path
        or "%00" in query
        or "\x00" in query
        or any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())
    )


def _nul_in(form) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in form.lists())
