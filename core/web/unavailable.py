"""The server-error handler: a database that is down, too slow or too busy answers 503 with a clear page.

Any layer may be the one that meets the outage (a view, a middleware, the session saved on the way
out), so this is Django's ``handler500``, which sees every uncaught exception, rather than one
middleware. API, webhook and Slack paths get JSON so their senders retry.

Overload (every pooled connection busy for ``DB_POOL_TIMEOUT``, a second on a web dyno) is told apart
from an outage by the pool's own figures: it answers with a short ``Retry-After`` and is logged as one
line, not a traceback per request, since formatting thousands of them is work an overloaded process
cannot spare.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from psycopg_pool import PoolTimeout

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MESSAGE = "We can't reach our database right now. Nothing you posted was half-saved; please try again in a minute."
BUSY_MESSAGE = "We're very busy right now. Nothing you posted was half-saved; please try again in a few seconds."


def server_error(request):
    error = sys.exc_info()[1]
    # OperationalError: unreachable, timed out (statement_timeout cancels with QueryCanceled, one of
    # them), the pool had no connection in time; InterfaceError: a connection closed under us.
    if not isinstance(error, (OperationalError, InterfaceError)):
        if wants_json(request):
            # An API client parses the answer whatever its status: JSON, never the site's HTML page.
            return JsonResponse({"error": "Internal server error"}, status=500)
        return defaults.server_error(request)
    busy = pool_exhausted(error)
    if busy:
        logger.warning("overloaded, answered 503: %s %s (%s)", request.method, request.path, error)
        message, retry_after = BUSY_MESSAGE, settings.OVERLOAD_RETRY_AFTER_SECONDS
    else:
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, error)
        message, retry_after = MESSAGE, RETRY_AFTER_SECONDS
    if wants_json(request):
        response = JsonResponse({"error": message, "retry_after": retry_after}, status=503)
    else:
        # Rendered without the request: context processors would ask the database again.
        response = HttpResponse(loader.render_to_string("core/unavailable.html", {"message": message}), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    if busy:
        response._has_been_logged = True  # Django's own log of the 500-handler's answer: the line above says it
    return response


def wants_json(request) -> bool:
    """API, webhook and Slack paths: their senders are programs that read JSON."""
    return request.path.startswith(tuple(settings.MAINTENANCE_JSON_PREFIXES))


def pool_exhausted(error: BaseException) -> bool:
    """The pool gave no connection in time because all of them were lent out (not because the database
    cannot be reached: then the pool is not full)."""
    cause = error
    while cause is not None and not isinstance(cause, PoolTimeout):
        cause = cause.__cause__
    pool = getattr(connections["default"], "pool", None)
    if cause is None or pool is None:
        return False
    stats = pool.get_stats()
    return stats.get("pool_size", 0) >= stats.get("pool_max", 0) and not stats.get("pool_available")
