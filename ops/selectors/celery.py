"""Workers and queues as the worker heartbeats report them, with one on-demand ``inspect`` for details.

Every worker writes what the page needs (queues, pool size, active and reserved tasks, processed
counts) into its heartbeat, so the page is a database read. ``inspect`` broadcasts and waits its
whole timeout for replies, so it runs only when asked (one broadcast, ``scheduled``: the ETA tasks
in each worker's timer) with a short timeout, and its answer is cached for a few seconds.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from ops.models import Heartbeat
from portal.celery import app as celery_app

INSPECT_CACHE_KEY = "ops:celery:scheduled"


@dataclass
class Worker:
    hostname: str
    state: str  # up / stale / gone / stopped (heartbeat), or "answering" when only inspect knows it
    answered: bool | None  # None: inspect was not asked
    heartbeat: Heartbeat | None = None
    concurrency: int | None = None
    processed: int | None = None
    active: list[dict] = field(default_factory=list)
    reserved: list[dict] = field(default_factory=list)
    reserved_count: int = 0
    scheduled_count: int = 0
    scheduled: list[dict] | None = None  # from inspect, only on demand
    queues: list[str] = field(default_factory=list)


def inspect_scheduled(*, fresh: bool = False) -> tuple[dict, str]:
    """``({hostname: [scheduled task]}, error)`` from one short broadcast, cached briefly."""
    if not fresh and (cached := cache.get(INSPECT_CACHE_KEY)) is not None:
        return cached["replies"], cached["error"]
    try:
        replies = celery_app.control.inspect(timeout=settings.OPS_INSPECT_TIMEOUT_SECONDS).scheduled() or {}
        error = ""
    except Exception as exc:  # broker unreachable: say so, show heartbeats anyway
        replies, error = {}, f"{type(exc).__name__}: {exc}"
    cache.set(INSPECT_CACHE_KEY, {"replies": replies, "error": error}, settings.OPS_INSPECT_CACHE_SECONDS)
    return replies, error


def _from_heartbeat(hostname: str, heartbeat: Heartbeat) -> Worker:
    stats = heartbeat.stats or {}
    active = stats.get("active")
    if active is None:  # a worker from before this release reports names only
        active = [{"name": name} for name in stats.get("active_tasks") or []]
    return Worker(
        hostname=hostname,
        state=heartbeat.state,
        answered=None,
        heartbeat=heartbeat,
        concurrency=heartbeat.concurrency,
        processed=stats.get("tasks_total"),
        active=active,
        reserved=stats.get("reserved") or [],
        reserved_count=stats.get("reserved_count") or 0,
        scheduled_count=stats.get("scheduled_count") or 0,
        queues=stats.get("queues") or [],
    )


def worker_overview(*, details: bool = False, fresh: bool = False) -> tuple[list[Worker], str]:
    """Every worker that reported a heartbeat; with ``details``, joined with one ``inspect`` round."""
    beats = {(hb.stats or {}).get("hostname") or hb.dyno: hb for hb in Heartbeat.objects.filter(process_type="worker")}
    workers = {hostname: _from_heartbeat(hostname, hb) for hostname, hb in beats.items()}
    error = ""
    if details:
        replies, error = inspect_scheduled(fresh=fresh)
        for hostname, scheduled in replies.items():
            worker = workers.setdefault(hostname, Worker(hostname=hostname, state="answering", answered=True))
            worker.answered, worker.scheduled = True, scheduled or []
        for worker in workers.values():
            if worker.answered is None:
                worker.answered = False
    # A worker whose heartbeat is gone is listed as gone (not just missing); long-gone rows are swept.
    return [workers[name] for name in sorted(workers)], error


def known_queues() -> list[str]:
    """The configured queues plus any a live worker says it consumes, in order."""
    queues = list(settings.OPS_QUEUES)
    for stats in Heartbeat.objects.filter(process_type="worker", stopped_at__isnull=True).values_list("stats",
                                                                                                     flat=True):
        queues += [q for q in (stats or {}).get("queues") or [] if not q.startswith("celery@")]
    return list(dict.fromkeys(queues))
