"""The database as the server sees it: version, limits, size, who holds connections, slow sessions.

Everything comes from cheap catalog views (``pg_settings``, ``pg_stat_activity``) and from the
pools each process reports in its heartbeat. On SQLite the page says the database is embedded.
"""

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from ops.masking import mask_text
from ops.models import Heartbeat
from ops.selectors.budget import Budget, Formation, PoolConfig, connection_budget

CLIENT_BACKENDS = "backend_type = 'client backend'"
STATE_NAMES = ("active", "idle", "idle in transaction")
STATE_COLUMNS = tuple(name.replace(" ", "_") for name in STATE_NAMES)


@dataclass
class DatabaseOverview:
    vendor: str
    version: str = ""
    size_bytes: int | None = None
    max_connections: int | None = None
    reserved: int | None = None
    reserved_detail: str = ""
    activity: list[dict] = field(default_factory=list)  # per application_name: counts per state
    totals: dict[str, int] = field(default_factory=dict)
    sessions: list[dict] = field(default_factory=list)  # long-running and idle in transaction
    own_pid: int | None = None
    pools: list[Heartbeat] = field(default_factory=list)
    budget: Budget | None = None

    @property
    def embedded(self) -> bool:
        return self.vendor == "sqlite"

    @property
    def in_use(self) -> int:
        return self.totals.get("total", 0)


def _rows(sql: str, params=()) -> list[dict]:
    with connection.cursor() as cursor:
        # pg_stat_activity is snapshotted once per transaction; inside one, ask for a fresh view.
        if not connection.get_autocommit():
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


RESERVED_SETTINGS = ("superuser_reserved_connections", "reserved_connections")  # the latter from PostgreSQL 16


def _server_settings() -> dict[str, int]:
    names = ("max_connections", *RESERVED_SETTINGS)
    rows = _rows("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(names)])
    found = {row["name"]: int(row["setting"]) for row in rows}
    return {name: found.get(name, 0) for name in names}


def connection_counts() -> tuple[int, int, int]:
    """(client connections now, max_connections, reserved) — cheap enough for the dashboard."""
    used = _rows(f"SELECT count(*) AS n FROM pg_stat_activity WHERE {CLIENT_BACKENDS}")[0]["n"]  # noqa: S608
    server = _server_settings()
    return used, server["max_connections"], sum(server[name] for name in RESERVED_SETTINGS)


def activity_by_application() -> tuple[list[dict], dict[str, int]]:
    rows = _rows(
        f"""SELECT coalesce(nullif(application_name, ''), '(unnamed)') AS application,
                   coalesce(state, 'unknown') AS state, count(*) AS n
            FROM pg_stat_activity WHERE {CLIENT_BACKENDS}
            GROUP BY 1, 2 ORDER BY 1, 2"""  # noqa: S608
    )
    grouped: dict[str, dict] = {}
    totals = dict.fromkeys(STATE_COLUMNS + ("other", "total"), 0)
    for row in rows:
        column = row["state"].replace(" ", "_") if row["state"] in STATE_NAMES else "other"
        entry = grouped.setdefault(row["application"], {"application": row["application"], **dict.fromkeys(totals, 0)})
        for target in (entry, totals):
            target[column] += row["n"]
            target["total"] += row["n"]
    return list(grouped.values()), totals


def slow_sessions(*, long_seconds: int | None = None) -> list[dict]:
    """Active queries running longer than ``long_seconds`` and every idle-in-transaction session."""
    long_seconds = settings.OPS_LONG_QUERY_SECONDS if long_seconds is None else long_seconds
    sessions = _rows(
        f"""SELECT pid, coalesce(application_name, '') AS application, usename AS user, datname AS database,
                   state, left(query, 1000) AS query,
                   extract(epoch FROM clock_timestamp() - coalesce(xact_start, query_start))::int AS xact_seconds,
                   extract(epoch FROM clock_timestamp() - query_start)::int AS query_seconds,
                   extract(epoch FROM clock_timestamp() - state_change)::int AS state_seconds,
                   wait_event_type, wait_event
            FROM pg_stat_activity
            WHERE {CLIENT_BACKENDS} AND pid <> pg_backend_pid()
              AND ((state = 'active' AND clock_timestamp() - query_start > make_interval(secs => %s))
                   OR state LIKE 'idle in transaction%%')
            ORDER BY coalesce(xact_start, query_start)""",  # noqa: S608
        [long_seconds],
    )
    for session in sessions:
        session["query"] = mask_text(session["query"] or "")
    return sessions


def process_pools() -> list[Heartbeat]:
    live = [p for p in Heartbeat.objects.filter(stopped_at__isnull=True) if p.state != Heartbeat.State.GONE]
    for process in live:
        process.pool = dict((process.stats or {}).get("pool", {}))
        if process.pool.get("mode") == "pool":
            process.pool["in_use"] = (process.pool.get("pool_size") or 0) - (process.pool.get("pool_available") or 0)
    return live


def formation_budget(*, expected: dict[str, int], max_connections: int, reserved: int,
                     pools: list[Heartbeat]) -> Budget:
    """The budget for the expected formation, with sizes observed in heartbeats where there are any."""

    def observed(kind: str, attr: str, default: int) -> int:
        values = [getattr(p, attr) for p in pools if p.process_type == kind and getattr(p, attr)]
        return max(values, default=default)

    return connection_budget(
        formation=Formation(
            web=expected.get("web", 0),
            worker=expected.get("worker", 0),
            beat=expected.get("beat", 0),
            web_threads=observed("web", "threads", settings.WEB_THREADS),
            worker_concurrency=observed("worker", "concurrency", settings.CELERY_WORKER_CONCURRENCY),
        ),
        pool=_observed_pool_config(pools),
        max_connections=max_connections,
        reserved=reserved,
        headroom=settings.OPS_CONNECTION_HEADROOM,
    )


def _observed_pool_config(pools: list[Heartbeat]) -> PoolConfig:
    pooled = [p.pool for p in pools if p.pool.get("mode") == "pool"]
    if pooled:
        return PoolConfig(pool_max=max(p["pool_max"] or 0 for p in pooled),
                          pool_min=max(p["pool_min"] or 0 for p in pooled))
    if any(p.pool.get("mode") == "per-thread" for p in pools):
        return PoolConfig(pool_max=0)
    return PoolConfig(pool_max=settings.DB_POOL_MAX_SIZE, pool_min=settings.DB_POOL_MIN_SIZE)


def database_overview(*, expected: dict[str, int]) -> DatabaseOverview:
    pools = process_pools()
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        size = path.stat().st_size if path.exists() else None
        return DatabaseOverview(vendor="sqlite", version=f"SQLite {sqlite3.sqlite_version}", size_bytes=size,
                                pools=pools)
    server = _server_settings()
    max_connections, reserved = server["max_connections"], sum(server[name] for name in RESERVED_SETTINGS)
    activity, totals = activity_by_application()
    info = _rows("SELECT current_setting('server_version') AS version, pg_database_size(current_database()) AS size,"
                 " pg_backend_pid() AS pid")[0]
    overview = DatabaseOverview(
        vendor="postgresql",
        version=f"PostgreSQL {info['version']}",
        size_bytes=info["size"],
        max_connections=max_connections,
        reserved=reserved,
        reserved_detail=", ".join(f"{name} {server[name]}" for name in RESERVED_SETTINGS),
        activity=activity,
        totals=totals,
        sessions=slow_sessions(),
        own_pid=info["pid"],
        pools=pools,
    )
    overview.budget = formation_budget(expected=expected, max_connections=max_connections, reserved=reserved,
                                       pools=pools)
    return overview
