"""Per-task figures for the last 24 hours: count, failure rate, p50/p95 runtime, last failure.

One grouped query over an indexed ``date_done`` range; percentiles by PostgreSQL's
``percentile_cont``, or computed in Python on SQLite (small, embedded data).
"""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_celery_results.models import TaskResult


@dataclass
class TaskStats:
    task_name: str
    count: int
    failures: int
    p50_seconds: float | None
    p95_seconds: float | None
    last_failure_pk: int | None = None
    last_failure_at: dt.datetime | None = None

    @property
    def failure_rate(self) -> float:
        return self.failures / self.count if self.count else 0.0


def task_stats(*, hours: int = 24) -> list[TaskStats]:
    since = timezone.now() - dt.timedelta(hours=hours)
    recent = TaskResult.objects.filter(date_done__gte=since, status__in=("SUCCESS", "FAILURE")).order_by()
    rows = recent.values("task_name").annotate(
        count=Count("id"),
        failures=Count("id", filter=Q(status="FAILURE")),
        last_failure_at=Max("date_done", filter=Q(status="FAILURE")),
    )
    runtimes = _percentiles(since)
    stats = [
        TaskStats(
            r["task_name"] or "?",
            r["count"],
            r["failures"],
            *runtimes.get(r["task_name"], (None, None)),
            last_failure_at=r["last_failure_at"],
        )
        for r in rows
    ]
    for one in stats:
        if one.last_failure_at:
            one.last_failure_pk = (
                recent.filter(task_name=one.task_name, status="FAILURE", date_done=one.last_failure_at)
                .values_list("pk", flat=True)
                .first()
            )
    return sorted(stats, key=lambda s: (-s.failures, -s.count))


def _percentiles(since) -> dict[str, tuple[float, float]]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT task_name,
                          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM date_done - date_started)),
                          percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM date_done - date_started))
                   FROM django_celery_results_taskresult
                   WHERE date_done >= %s AND date_started IS NOT NULL AND status IN ('SUCCESS', 'FAILURE')
                   GROUP BY task_name""",
                [since],
            )
            return {name: (float(p50), float(p95)) for name, p50, p95 in cursor.fetchall()}
    durations: dict[str, list[float]] = {}
    finished = TaskResult.objects.filter(
        date_done__gte=since, date_started__isnull=False, status__in=("SUCCESS", "FAILURE")
    )
    for name, started, done in finished.values_list("task_name", "date_started", "date_done"):
        durations.setdefault(name, []).append((done - started).total_seconds())
    return {name: _p50_p95(values) for name, values in durations.items()}


def _p50_p95(values: list[float]) -> tuple[float, float]:
    if len(values) == 1:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]
