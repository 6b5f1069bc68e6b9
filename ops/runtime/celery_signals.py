"""Heartbeats for Celery processes, and keeping a forked worker child off its parent's DB pool.

Imported by ``portal.celery`` before Django is set up, so nothing here touches models at import.
"""

from celery import signals

TASKS_LISTED = 20  # per worker and list in the heartbeat: enough to recognise, small enough to write often

_inherited_pools: list = []  # kept referenced so their finalizers never touch the parent's sockets


@signals.worker_process_init.connect
def forget_inherited_pools(**_kwargs) -> None:
    """A prefork child must open its own connections: the parent's pool sockets are not its to use."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    _inherited_pools.extend(DatabaseWrapper._connection_pools.values())
    DatabaseWrapper._connection_pools.clear()


@signals.worker_ready.connect
def start_worker_heartbeat(sender=None, **_kwargs) -> None:
    from ops.runtime.heartbeat import start_heartbeat

    consumer = sender

    def worker_figures() -> dict:
        from celery.worker import state

        # What the workers page shows, written here so the page reads the database instead of
        # broadcasting inspect and waiting for every worker's reply (seconds, holding a web thread).
        active = list(state.active_requests)
        waiting = [request for request in list(state.reserved_requests) if request not in active]
        concurrency = (
            getattr(getattr(consumer, "pool", None), "num_processes", None) or consumer.app.conf.worker_concurrency
        )
        task_consumer = getattr(consumer, "task_consumer", None)
        return {
            "concurrency": concurrency,
            "busy_threads": len(active),
            "stats": {
                "active_tasks": [request.name for request in active],
                "active": [_task_brief(request) for request in active[:TASKS_LISTED]],
                "reserved": [_task_brief(request) for request in waiting[:TASKS_LISTED]],
                "reserved_count": len(waiting),
                "scheduled_count": _scheduled_count(consumer),
                "queues": sorted(q.name for q in task_consumer.queues) if task_consumer else [],
                "hostname": consumer.hostname,
                "tasks_total": state.total_count.total(),
                "processed": dict(state.total_count),
            },
        }

    start_heartbeat(process_type="worker", extra=worker_figures)


def _task_brief(request) -> dict:
    started = getattr(request, "time_start", None)
    return {"id": request.id, "name": request.name, "eta": str(request.eta) if request.eta else None,
            "started": started if isinstance(started, int | float) else None}


def _scheduled_count(consumer) -> int:
    """ETA/countdown tasks waiting in the worker's timer (what ``inspect scheduled`` would list)."""
    from celery.worker.request import Request

    try:
        return sum(1 for waiting in list(consumer.timer.schedule.queue)
                   if isinstance((getattr(waiting.entry, "args", None) or [None])[0], Request))
    except Exception:  # a figure, not worth failing the heartbeat for
        return 0


@signals.worker_shutdown.connect
def stop_worker_heartbeat(**_kwargs) -> None:
    from ops.runtime.heartbeat import stop_heartbeat

    stop_heartbeat()


@signals.beat_init.connect
def start_beat_heartbeat(**_kwargs) -> None:
    from ops.runtime.heartbeat import start_heartbeat

    start_heartbeat(process_type="beat")
