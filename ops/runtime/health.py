"""``/health``: a JSON status per dependency, 503 when a required one fails.

Required (``HEALTH_REQUIRED_CHECKS``, default database, cache, broker) decide the status code; the
others (beat: its last heartbeat and last schedule tick; worker: its last heartbeat) inform.
Maintenance mode does not make the app unhealthy: it is reported, and /health keeps answering.
Each check runs in its own thread with a deadline, so /health answers within about
``CHECK_TIMEOUT_SECONDS`` whatever hangs (a black-holed database, a silent Redis).
"""

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for_checks

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2
CHECK_TIMEOUT_SECONDS = 3.0  # all checks run at once; the router and monitors get an answer within ~3 s
# Shared by all requests; a check stuck on a dead dependency holds a thread only until its own
# client timeout (database, cache, broker) frees it.
_checks_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="health")
FRESH = dt.timedelta(minutes=3)


def _timed(check):
    started = time.perf_counter()
    try:
        detail = check() or {}
        status = "ok"
    except Exception as error:  # every failure becomes a readable status, never a 500
        detail, status = {"error": f"{type(error).__name__}: {error}"[:300]}, "error"
    return {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1), **detail}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _cache():
    cache.set("health:probe", "ok", 30)
    if cache.get("health:probe") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        client = getattr(conn.default_channel, "client", None)
        if hasattr(client, "ping"):  # Redis connects lazily: ask it something to prove it answers
            client.ping()
        return {"transport": conn.transport.driver_type}


def _last_seen(process_type: str) -> dict:
    from ops.models import Heartbeat

    last = (
        Heartbeat.objects.filter(process_type=process_type, stopped_at__isnull=True)
        .order_by("-last_seen")
        .values_list("last_seen", flat=True)
        .first()
    )
    if last is None:
        # No live row: a process that shut down gracefully marked its row stopped; say so, not "unknown".
        stopped = (
            Heartbeat.objects.filter(process_type=process_type, stopped_at__isnull=False)
            .order_by("-stopped_at")
            .values_list("stopped_at", flat=True)
            .first()
        )
        if stopped is not None:
            return {"status": "stopped", "last_seen": stopped.isoformat(), "stopped_at": stopped.isoformat(),
                    "age_seconds": int((timezone.now() - stopped).total_seconds())}
        return {"status": "unknown", "last_seen": None}
    age = timezone.now() - last
    return {
        "status": "ok" if age <= FRESH else "stale",
        "last_seen": last.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


def _beat() -> dict:
    """Beat's heartbeat, and the last time it actually sent a schedule (django-celery-beat's last_run_at)."""
    from django.db.models import Max
    from django_celery_beat.models import PeriodicTask

    check = _last_seen("beat")
    last_tick = PeriodicTask.objects.aggregate(last=Max("last_run_at"))["last"]
    check["last_tick"] = last_tick.isoformat() if last_tick else None
    return check


def _maintenance() -> dict:
    from ops.selectors.maintenance import maintenance_state

    state = maintenance_state()
    return {"status": "on" if state["enabled"] else "off"}


def _required() -> set[str]:
    return set(getattr(settings, "HEALTH_REQUIRED_CHECKS", ("database", "cache", "broker")))


def _informational() -> dict:
    return {"beat": _beat(), "worker": _last_seen("worker"), "maintenance": _maintenance()}


def _in_thread(check):
    try:
        return check()
    finally:
        connections.close_all()  # give this thread's connection back to the pool


def _bounded(jobs: dict) -> dict:
    """Run every job at once; a job not done by the deadline reports a timeout instead of holding /health."""
    started = time.perf_counter()
    futures = {name: _checks_pool.submit(_in_thread, job) for name, job in jobs.items()}
    wait_for_checks(futures.values(), timeout=CHECK_TIMEOUT_SECONDS)
    results = {}
    for name, future in futures.items():
        if future.done():
            results[name] = future.result()
        else:
            future.cancel()  # not started yet: never start it
            ms = round((time.perf_counter() - started) * 1000, 1)
            results[name] = {"status": "error", "ms": ms, "error": f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"}
    return results


@never_cache
def health(request):
    results = _bounded(
        {
            "database": lambda: _timed(_database),
            "cache": lambda: _timed(_cache),
            "broker": lambda: _timed(_broker),
            "informational": lambda: _timed(_informational),
        }
    )
    checks = {name: results[name] for name in ("database", "cache", "broker")}
    if checks["database"]["status"] == "ok" and results["informational"]["status"] == "ok":
        checks.update({name: results["informational"][name] for name in ("beat", "worker", "maintenance")})
    required = _required()
    for name, check in checks.items():
        check["required"] = name in required
    healthy = all(checks.get(name, {}).get("status") == "ok" for name in required)
    body = {"status": "ok" if healthy else "error", "checks": checks, "time": timezone.now().isoformat()}
    return JsonResponse(body, status=200 if healthy else 503)
