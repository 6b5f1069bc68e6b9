"""Ops actions on Celery tasks and queues: retry with the same arguments, revoke, purge. All audited."""

from django_celery_results.models import TaskResult

from ops.runtime.task_arguments import stored_arguments, task_meta
from ops.selectors.tasks import RETRY_ACTION
from ops.services.audit import audited
from portal.celery import app as celery_app


def task_retry(*, actor, task_result: TaskResult, queue: str | None = None) -> str:
    """Send a new task with the original name, args and kwargs; return its id (audited, linked)."""
    target = task_result.task_id
    with audited(actor=actor, action=RETRY_ACTION, target=target, parameters={"task": task_result.task_name}) as audit:
        args, kwargs = stored_arguments(task_result)
        options = {"queue": queue or task_meta(task_result).get("queue")}
        if task_result.periodic_task_name:
            options["headers"] = {"periodic_task_name": task_result.periodic_task_name}
        sent = celery_app.send_task(task_result.task_name, args=args, kwargs=kwargs,
                                    **{k: v for k, v in options.items() if v})
        audit.parameters["new_task_id"] = sent.id
        audit.detail = f"retried {task_result.task_name} as {sent.id}"
    return sent.id


def task_revoke(*, actor, task_id: str) -> None:
    """Tell every worker to discard ``task_id`` if it has not started (it is never terminated)."""
    with audited(actor=actor, action="task.revoke", target=task_id) as audit:
        celery_app.control.revoke(task_id)
        audit.detail = "revoke broadcast to workers"


def queue_purge(*, actor, queue: str) -> int:
    """Delete every message waiting in ``queue``; return how many were removed."""
    with audited(actor=actor, action="queue.purge", target=queue) as audit:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            removed = conn.default_channel.queue_purge(queue) or 0
        audit.parameters["removed"] = removed
        audit.detail = f"{removed} message(s) removed"
    return removed
