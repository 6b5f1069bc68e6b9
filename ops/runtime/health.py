"""``/health``: a JSON status per dependency, 503 when a required one fails.

Required (``HEALTH_REQUIRED_CHECKS``, default database, cache, broker) decide the status code; the
others (beat: its last heartbeat and last schedule tick; worker: its last heartbeat) inform.
Maintenance mode does not make the app unhealthy: it is reported, and /health keeps answering.
"""

import datetime as dt
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2
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


@never_cache
def health(request):
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    if checks["database"]["status"] == "ok":
        checks["beat"] = _beat()
        checks["worker"] = _last_seen("worker")
        checks["maintenance"] = _maintenance()
    required = _required()
    for name, check in checks.items():
        check["required"] = name in required
    healthy = all(checks.get(name, {}).get("status") == "ok" for name in required)
    body = {"status": "ok" if healthy else "error", "checks": checks, "time": timezone.now().isoformat()}
    return JsonResponse(body, status=200 if healthy else 503)
