"""Per-token rate limit on the shared cache (DRF's throttling): past it, 429 with ``Retry-After``.

The rate is ``API_THROTTLE_RATE`` (read at each request, so tests and operators can change it). The
count lives in the cache every web process shares; if that cache is unreachable the request goes
through (logged): a rate limit must not take the API down with the cache.
"""

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        # request.auth is the token's digest (core.api.authentication): one budget per token.
        if not request.auth:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # redis/memcached down or timing out
            logger.warning("API throttle skipped, cache unavailable: %s", error)
            return True

    def wait(self):
        """Seconds until this token may send again. DRF's answer is None (so no ``Retry-After``) when the
        count is already past the rate, as it is right after the rate is lowered; then the wait is until
        enough of the counted requests have aged out."""
        wait = super().wait()
        if wait is not None:
            return wait
        oldest_to_expire = self.history[self.num_requests - 1]
        return max(1.0, self.duration - (self.now - oldest_to_expire))
