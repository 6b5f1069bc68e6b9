"""The once-a-minute sampler behind the 24-hour charts, and the retention that keeps tables small.

Each source is read cheaply (catalog views, heartbeats, the broker, an indexed range of task
results) and a failing source is skipped, never fatal: the sampler must not hurt what it watches.
Old rows (samples and task results) are deleted in small batches, never one giant DELETE.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django_celery_results.models import TaskResult

from ops.models import Heartbeat, Sample

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_BATCHES = 200  # per run: a backlog is worked off over several runs, each short


def _database_connections(now) -> Iterator[tuple[str, str, float]]:
    if connection.vendor != "postgresql":
        return
    from ops.selectors.database import activity_by_application

    _, totals = activity_by_application()
    for state in ("active", "idle", "idle_in_transaction", "total"):
        yield "db.connections", state, totals.get(state, 0)


def _processes(now) -> Iterator[tuple[str, str, float]]:
    waiting = 0
    for process in Heartbeat.objects.filter(stopped_at__isnull=True, last_seen__gte=now - dt.timedelta(minutes=2)):
        waiting += (process.stats.get("pool") or {}).get("requests_waiting") or 0
        if process.rss_bytes:
            yield "process.rss_mb", process.dyno, round(process.rss_bytes / 2**20, 1)
        if process.process_type == "web":
            yield "web.requests", process.dyno, process.stats.get("requests_last_minute") or 0
            if process.stats.get("p95_ms") is not None:
                yield "web.p95_ms", process.dyno, process.stats["p95_ms"]
    yield "db.pool_waiting", "", waiting


def _queues(now) -> Iterator[tuple[str, str, float]]:
    from ops.selectors.celery import known_queues
    from ops.selectors.tasks import queue_depths

    for queue, depth in queue_depths(known_queues()).items():
        yield "queue.depth", queue, depth


def _tasks(now) -> Iterator[tuple[str, str, float]]:
    finished = (TaskResult.objects.filter(date_done__gte=now - dt.timedelta(minutes=1), date_done__lt=now,
                                          status__in=("SUCCESS", "FAILURE"))
                .order_by().values("task_name", "status").annotate(n=Count("id")))
    for row in finished:
        metric = "tasks.succeeded" if row["status"] == "SUCCESS" else "tasks.failed"
        yield metric, row["task_name"] or "?", row["n"]


SOURCES: list[Callable] = [_database_connections, _processes, _queues, _tasks]


def samples_record(*, now: dt.datetime | None = None) -> int:
    """Measure every source once and store the figures; return how many were stored."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    rows = []
    for source in SOURCES:
        try:
            rows += [Sample(taken_at=now, metric=m, key=k[:200], value=v) for m, k, v in source(now)]
        except Exception:  # one broken source (broker down) must not lose the others
            logger.exception("sampler source %s failed", source.__name__)
    Sample.objects.bulk_create(rows)
    return len(rows)


def _delete_in_batches(queryset, *, batch_size: int, max_batches: int) -> int:
    deleted = 0
    for _ in range(max_batches):
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
    return deleted


def samples_prune(*, now=None, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.OPS_SAMPLE_RETENTION_DAYS)
    return _delete_in_batches(Sample.objects.filter(taken_at__lt=cutoff), batch_size=batch_size,
                              max_batches=max_batches)


def task_results_prune(*, now=None, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> int:
    """Delete task results older than ``TASK_RESULT_RETENTION_DAYS``, ``batch_size`` rows per statement."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    return _delete_in_batches(TaskResult.objects.filter(date_done__lt=cutoff), batch_size=batch_size,
                              max_batches=max_batches)
