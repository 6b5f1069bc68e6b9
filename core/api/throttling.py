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
