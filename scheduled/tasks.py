"""Celery tasks: thin adapters that load by id and call one service. Names are explicit and stable."""

from celery import shared_task

from ops.services.heartbeats import heartbeat_prune


@shared_task(name="scheduled.heartbeat_sweep")
def heartbeat_sweep() -> dict:
    """Forget processes that stopped long ago, so the dynos page lists what exists."""
    return heartbeat_prune()
