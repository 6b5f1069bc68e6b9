"""Heartbeats for Celery processes, and keeping a forked worker child off its parent's DB pool.

Imported by ``portal.celery`` before Django is set up, so nothing here touches models at import.
"""

from celery import signals

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

        active = [request.name for request in list(state.active_requests)]
        concurrency = (
            getattr(getattr(consumer, "pool", None), "num_processes", None) or consumer.app.conf.worker_concurrency
        )
        return {
            "concurrency": concurrency,
            "busy_threads": len(active),
            "stats": {"active_tasks": active, "hostname": consumer.hostname, "tasks_total": state.total_count.total()},
        }

    start_heartbeat(process_type="worker", extra=worker_figures)


@signals.worker_shutdown.connect
def stop_worker_heartbeat(**_kwargs) -> None:
    from ops.runtime.heartbeat import stop_heartbeat

    stop_heartbeat()


@signals.beat_init.connect
def start_beat_heartbeat(**_kwargs) -> None:
    from ops.runtime.heartbeat import start_heartbeat

    start_heartbeat(process_type="beat")
