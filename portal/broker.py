"""A guard around kombu's Redis transport so a worker survives its broker going away.

When the worker's connection to Redis drops, kombu closes the channel and pushes the messages this
worker holds unacknowledged back onto their queues; when a task that was running meanwhile finishes,
it acknowledges its message on that closed channel. Both fail on a torn-down connection with an
``AttributeError`` (kombu 5.7) that Celery treats as unrecoverable: the worker exits and consumes
nothing more, though Redis is back (found by the broker-outage drill, docs/reliability.md; upstream
reports: celery/celery#10205, celery/kombu#582). Skipping that one step loses nothing: Redis keeps
the message in its "unacked" hash and hands it out again after the visibility timeout (every task is
safe to run twice), and the delivery sweeper re-dispatches owed emails sooner than that.
"""

import functools
import logging

from kombu.transport import redis as kombu_redis

log = logging.getLogger(__name__)


def _guarded(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (AttributeError, kombu_redis.get_redis_ConnectionError()) as error:
            log.warning(
                "Redis connection gone during %s (%s: %s); the message stays in Redis' unacked set and is "
                "redelivered after the visibility timeout",
                method.__name__,
                type(error).__name__,
                error,
            )
            if method.__name__ == "restore_unacked":
                self._delivered.clear()
            return None

    call.guarded = True
    return call


def guard_redis_transport() -> None:
    for name in ("restore_unacked", "ack", "reject"):
        method = getattr(kombu_redis.QoS, name)
        if not getattr(method, "guarded", False):
            setattr(kombu_redis.QoS, name, _guarded(method))
