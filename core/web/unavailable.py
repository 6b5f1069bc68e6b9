"""The server-error handler: a database that is down or too slow answers 503 with a clear page.

Any layer may be the one that meets the outage (a view, a middleware, the session saved on the way
out), so this is Django's ``handler500``, which sees every uncaught exception, rather than one
middleware. API, webhook and Slack paths get JSON so their senders retry.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MESSAGE = "We can't reach our database right now. Nothing you posted was half-saved; please try again in a minute."


def server_error(request):
    error = sys.exc_info()[1]
    # OperationalError: unreachable, timed out (statement_timeout cancels with QueryCanceled, one of
    # them), the pool had no connection in time; InterfaceError: a connection closed under us.
    if not isinstance(error, (OperationalError, InterfaceError)):
        return defaults.server_error(request)
    logger.warning("database unavailable for %s %s: %s", request.method, request.path, error)
    if request.path.startswith(tuple(settings.MAINTENANCE_JSON_PREFIXES)):
        response = JsonResponse({"error": MESSAGE, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        # Rendered without the request: context processors would ask the database again.
        response = HttpResponse(loader.render_to_string("core/unavailable.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
