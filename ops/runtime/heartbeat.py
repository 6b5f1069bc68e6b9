"""Every process (web, worker, beat) reports itself to the database every few seconds.

The row is keyed by dyno name and upserted, so the portal can tell which processes are up, what
they are doing and how their database pool is doing, without asking Heroku or a shell.
"""

import atexit
import logging
import os
import socket
import threading
from collections.abc import Callable

import psutil
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

_started_at = None
_reporter = None


def pool_stats() -> dict:
    """This process's connection pool, as psycopg_pool reports it (or how connections are held)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return {"mode": "embedded"}
    pool = connection.pool
    if pool is None:
        return {"mode": "per-thread"}
    stats = pool.get_stats()
    return {
        "mode": "pool",
        **{
            k: stats.get(k)
            for k in (
                "pool_min",
                "pool_max",
                "pool_size",
                "pool_available",
                "requests_waiting",
                "requests_num",
                "requests_queued",
                "requests_wait_ms",
                "requests_errors",
                "connections_num",
                "connections_errors",
                "connections_lost",
                "usage_ms",
            )
        },
    }


def heartbeat_record(*, process_type: str, extra: Callable[[], dict] | None = None, stopped: bool = False):
    """Upsert this process's heartbeat row and return it."""
    from ops.models import Heartbeat

    global _started_at
    _started_at = _started_at or timezone.now()
    figures = extra() if extra else {}
    stats = {**figures.pop("stats", {}), "pool": pool_stats()}
    now = timezone.now()
    row, _ = Heartbeat.objects.update_or_create(
        dyno=settings.DYNO_NAME,
        defaults={
            "process_type": process_type,
            "release": settings.RELEASE,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": _started_at,
            "last_seen": now,
            "stopped_at": now if stopped else None,
            "rss_bytes": psutil.Process().memory_info().rss,
            "stats": stats,
            **figures,
        },
    )
    return row


class HeartbeatReporter(threading.Thread):
    def __init__(self, *, process_type: str, extra: Callable[[], dict] | None = None) -> None:
        super().__init__(name=f"heartbeat-{process_type}", daemon=True)
        self.process_type = process_type
        self.extra = extra
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.beat()
            self.stopping.wait(settings.HEARTBEAT_INTERVAL_SECONDS)

    def beat(self, *, stopped: bool = False) -> None:
        try:
            heartbeat_record(process_type=self.process_type, extra=self.extra, stopped=stopped)
        except Exception:  # a heartbeat must never take its process down; the portal shows it stale
            logger.exception("heartbeat failed")
        finally:
            close_old_connections()
            connections["default"].close()

    def stop(self) -> None:
        if not self.stopping.is_set():
            self.stopping.set()
            self.beat(stopped=True)


def start_heartbeat(*, process_type: str, extra: Callable[[], dict] | None = None) -> HeartbeatReporter:
    """Start reporting in a background thread (once per process) and mark the row stopped at exit."""
    global _reporter
    if _reporter is None:
        _reporter = HeartbeatReporter(process_type=process_type, extra=extra or _default_extra(process_type))
        _reporter.start()
        atexit.register(_reporter.stop)
    return _reporter


def stop_heartbeat() -> None:
    if _reporter is not None:
        _reporter.stop()


def _default_extra(process_type: str) -> Callable[[], dict] | None:
    if process_type != "web":
        return None

    def web_figures() -> dict:
        from ops.runtime.middleware import request_stats

        snapshot = request_stats.snapshot()
        return {"threads": settings.WEB_THREADS, "busy_threads": snapshot.pop("busy_threads"), "stats": snapshot}

    return web_figures
