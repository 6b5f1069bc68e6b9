"""The cache as an optimisation only: when the cache server fails, pages render uncached instead of failing.

After a failure the cache is left alone for a few seconds, so a cache server that stopped answering costs
one timeout (``socket_timeout`` in the settings) every few seconds, not one on every request.
"""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0
_skip_until = 0.0  # monotonic time; a benign race between threads only costs one more try


def get_many(keys: list[str]) -> dict:
    """What the cache holds of ``keys``; nothing when it is down."""
    if not keys or _skipping():
        return {}
    try:
        return cache.get_many(keys)
    except Exception as error:  # any backend's connection or protocol error: render uncached
        _failed("read", error)
        return {}


def set_many(values: dict, timeout: int) -> None:
    if not values or _skipping():
        return
    try:
        cache.set_many(values, timeout)
    except Exception as error:  # as in get_many: a page never fails because its cache did
        _failed("write", error)


def _skipping() -> bool:
    return time.monotonic() < _skip_until


def _failed(what: str, error: Exception) -> None:
    global _skip_until
    _skip_until = time.monotonic() + RETRY_AFTER_SECONDS
    logger.warning("cache %s failed, rendering uncached for %.0f s: %r", what, RETRY_AFTER_SECONDS, error)
