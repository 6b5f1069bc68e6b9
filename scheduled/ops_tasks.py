"""The operations portal's own tasks: the minute sampler, retention, and an echo for end-to-end checks.

Found by ``portal.celery`` (``autodiscover_tasks(["scheduled"], related_name="ops_tasks")``).
"""

from celery import shared_task

from ops.services.samples import samples_prune, samples_record, task_results_prune


# Once a minute: a result row per run would be 1,440 rows a day saying "ok" — the samples are the record.
@shared_task(name="scheduled.ops_sample", ignore_result=True)
def ops_sample() -> int:
    """Record one minute of figures for the 24-hour charts."""
    return samples_record()


@shared_task(name="scheduled.ops_prune")
def ops_prune() -> dict:
    """Delete old samples and task results in small batches."""
    return {"samples": samples_prune(), "task_results": task_results_prune()}


@shared_task(name="scheduled.ops_echo")
def ops_echo(*args, fail: bool = False, **kwargs) -> dict:
    """Return what it was given (or fail on purpose): proves broker → worker → results from the portal."""
    if fail:
        raise RuntimeError(f"ops_echo failed on purpose with {args!r}")
    return {"args": list(args), "kwargs": kwargs}
