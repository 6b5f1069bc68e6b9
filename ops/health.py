"""``/health``: a JSON status per dependency, 503 when a required one fails.

Required: database, cache, broker. Informational: how long ago beat and a worker were last seen.
"""

import datetime as dt
import time

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


def _last_seen(process_type: str):
    from ops.models import Heartbeat

    last = (
        Heartbeat.objects.filter(process_type=process_type)
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


@never_cache
def health(request):
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    healthy = all(check["status"] == "ok" for check in checks.values())
    if checks["database"]["status"] == "ok":
        checks["beat"] = _last_seen("beat")
        checks["worker"] = _last_seen("worker")
    body = {"status": "ok" if healthy else "error", "checks": checks, "time": timezone.now().isoformat()}
    return JsonResponse(body, status=200 if healthy else 503)
