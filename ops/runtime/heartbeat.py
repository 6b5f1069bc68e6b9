"""Every process (web, worker, beat) reports itself to the database every few seconds.

The row is keyed by dyno name and upserted, so the portal can tell which processes are up, what
they are doing and how their database pool is doing, without asking Heroku or a shell.

A web process writes its heartbeat on a connection of its own, outside its pool: a process whose pool
is exhausted is exactly the one whose report must get through (it shows the saturation).
"""

import atexit
import datetime as dt
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
HEARTBEAT_ALIAS = "heartbeat"
# psycopg_pool's cumulative counters whose growth between two heartbeats shows saturation.
_INTERVAL_COUNTERS = {"waited": "requests_queued", "wait_ms": "requests_wait_ms", "turned_away": "requests_errors"}


def pool_stats(connection=None) -> dict:
    """This process's connection pool, as psycopg_pool reports it (or how connections are held)."""
    connection = connection or connections["default"]
    if connection.vendor != "postgresql":
        return {"mode": "embedded"}
    pool = connection.pool
    if pool is None:
        return {"mode": "per-thread"}
    stats = pool.get_stats()
    figures = {
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
    # psycopg counts a dead connection as "lost" when its own check finds it, and as a bad return when it
    # comes back broken: from a request whose connection died, or from our backend's check before lending
    # (core/postgresql), which hands a dead one back to be replaced. Either way a connection was lost.
    figures["connections_lost"] = (stats.get("connections_lost") or 0) + (stats.get("returns_bad") or 0)
    return figures


class PoolGauge:
    """How saturated the pool was since the last heartbeat: requests that had to queue for a connection,
    their total wait, and those turned away (no connection within ``DB_POOL_TIMEOUT``: answered 503)."""

    def __init__(self) -> None:
        self._last: dict | None = None

    def interval(self, stats: dict) -> dict:
        last, self._last = self._last, stats
        if last is None or stats.get("mode") != "pool":
            return {}
        # A counter that went backwards was reset (the pool was re-created): count from zero.
        return {
            name: (now if now < before else now - before)
            for name, key in _INTERVAL_COUNTERS.items()
            for now, before in [(stats.get(key) or 0, last.get(key) or 0)]
        }


def heartbeat_record(
    *,
    process_type: str,
    extra: Callable[[], dict] | None = None,
    stopped: bool = False,
    gauge: PoolGauge | None = None,
    using: str = "default",
):
    """Upsert this process's heartbeat row and return it."""
    from ops.models import Heartbeat

    global _started_at
    _started_at = _started_at or timezone.now()
    figures = extra() if extra else {}
    # When the OS started this process: a database session opened before it belongs to an earlier
    # process of the same dyno name (the database page marks it a dead holder).
    process_started = dt.datetime.fromtimestamp(psutil.Process().create_time(), tz=dt.UTC).isoformat()
    pool = pool_stats()
    if gauge is not None:
        pool["interval"] = gauge.interval(pool)
    stats = {**figures.pop("stats", {}), "pool": pool, "process_started": process_started}
    now = timezone.now()
    row, _ = Heartbeat.objects.db_manager(using).update_or_create(
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
        self.gauge = PoolGauge()
        self.using = _own_connection() if process_type == "web" else "default"

    def run(self) -> None:
        while not self.stopping.is_set():
            self.beat()
            self.stopping.wait(settings.HEARTBEAT_INTERVAL_SECONDS)

    def beat(self, *, stopped: bool = False) -> None:
        try:
            heartbeat_record(
                process_type=self.process_type, extra=self.extra, stopped=stopped, gauge=self.gauge, using=self.using
            )
        except Exception:  # a heartbeat must never take its process down; the portal shows it stale
            logger.exception("heartbeat failed")
            connections[self.using].close()  # reconnect next time (the database may have restarted)
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


def _own_connection() -> str:
    """A database alias for this thread's heartbeat outside the pool (one persistent connection), when
    the process pools its connections; else the default alias (its own per-thread connection already)."""
    default = connections["default"]
    if default.vendor != "postgresql" or default.pool is None:
        return "default"
    if HEARTBEAT_ALIAS not in connections.settings:
        options = {key: value for key, value in default.settings_dict["OPTIONS"].items() if key != "pool"}
        connections.settings[HEARTBEAT_ALIAS] = {**default.settings_dict, "OPTIONS": options, "CONN_MAX_AGE": None}
    return HEARTBEAT_ALIAS


def _default_extra(process_type: str) -> Callable[[], dict] | None:
    if process_type != "web":
        return None

    def web_figures() -> dict:
        from ops.runtime.middleware import request_stats

        snapshot = request_stats.snapshot()
        return {"threads": settings.WEB_THREADS, "busy_threads": snapshot.pop("busy_threads"), "stats": snapshot}

    return web_figures
