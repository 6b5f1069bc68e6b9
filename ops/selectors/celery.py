"""Workers and queues as Celery and the broker report them, joined with the worker heartbeats.

``inspect`` broadcasts and waits for replies, so it runs with a short timeout and its answer is
cached for a few seconds: the page never hangs on a slow broker and many viewers cost one broadcast.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from ops.models import Heartbeat
from portal.celery import app as celery_app

INSPECT_CACHE_KEY = "ops:celery:inspect"
INSPECT_METHODS = ("ping", "stats", "active", "reserved", "scheduled", "active_queues")


@dataclass
class Worker:
    hostname: str
    state: str  # up / stale / gone / stopped (heartbeat), or "answering" when only inspect knows it
    answered: bool
    heartbeat: Heartbeat | None = None
    concurrency: int | None = None
    processed: int | None = None
    active: list[dict] = field(default_factory=list)
    reserved: list[dict] = field(default_factory=list)
    scheduled: list[dict] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)


def inspect_workers(*, fresh: bool = False) -> dict:
    """``{method: {hostname: reply}}`` from one short ``inspect`` round, cached briefly."""
    if not fresh and (cached := cache.get(INSPECT_CACHE_KEY)) is not None:
        return cached
    inspector = celery_app.control.inspect(timeout=settings.OPS_INSPECT_TIMEOUT_SECONDS)
    replies: dict = {"error": ""}
    for method in INSPECT_METHODS:
        try:
            replies[method] = getattr(inspector, method)() or {}
        except Exception as error:  # broker unreachable: say so, show heartbeats anyway
            replies[method] = {}
            replies["error"] = f"{type(error).__name__}: {error}"
    cache.set(INSPECT_CACHE_KEY, replies, settings.OPS_INSPECT_CACHE_SECONDS)
    return replies


def worker_overview(*, fresh: bool = False) -> tuple[list[Worker], str]:
    replies = inspect_workers(fresh=fresh)
    beats = {(hb.stats or {}).get("hostname") or hb.dyno: hb for hb in Heartbeat.objects.filter(process_type="worker")}
    workers = []
    for hostname in sorted(set(replies["ping"]) | set(replies["stats"]) | set(beats)):
        heartbeat = beats.get(hostname)
        stats = replies["stats"].get(hostname) or {}
        answered = hostname in replies["ping"] or hostname in replies["stats"]
        if heartbeat is None and not answered:
            continue
        workers.append(
            Worker(
                hostname=hostname,
                state=heartbeat.state if heartbeat else "answering",
                answered=answered,
                heartbeat=heartbeat,
                concurrency=(stats.get("pool") or {}).get("max-concurrency") or (heartbeat and heartbeat.concurrency),
                processed=sum((stats.get("total") or {}).values()) if stats else None,
                active=replies["active"].get(hostname) or [],
                reserved=replies["reserved"].get(hostname) or [],
                scheduled=replies["scheduled"].get(hostname) or [],
                queues=[q["name"] for q in replies["active_queues"].get(hostname) or []],
            )
        )
    # A worker whose heartbeat is gone is listed as gone (not just missing); long-gone rows are swept.
    return workers, replies["error"]


def known_queues() -> list[str]:
    """The configured queues plus any a worker consumes (from the cached inspect), in order."""
    queues = list(settings.OPS_QUEUES)
    cached = cache.get(INSPECT_CACHE_KEY) or {}
    for replies in (cached.get("active_queues") or {}).values():
        queues += [q["name"] for q in replies or [] if not q.get("name", "").startswith("celery@")]
    return list(dict.fromkeys(queues))
