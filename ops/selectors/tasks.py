"""Reads about Celery tasks: failures, queue depths, and the retries linked in the audit log."""

import contextlib
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_celery_results.models import TaskResult

from ops.models import AuditRecord
from portal.celery import app as celery_app

RETRY_ACTION = "task.retry"  # the audit action of ``task_retry``: links a task to its retries
FAILED_COUNT_CAP = 1000  # never count more than this: the table may hold millions of rows


def failed_task_count(*, since: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Failures finished within ``since``: a range on the indexed ``date_done``, capped."""
    recent = TaskResult.objects.filter(status="FAILURE", date_done__gte=timezone.now() - since)
    return recent.order_by().values("pk")[:FAILED_COUNT_CAP].count()


class NotAQueue(ValueError):
    """The name exists on the broker but is not a queue (e.g. kombu's ``_kombu.binding.*`` sets)."""


def queue_depths(queues: list[str] | None = None) -> dict[str, int]:
    """Messages waiting per queue, asked of the broker directly (no worker needs to answer)."""
    queues = queues or settings.OPS_QUEUES
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        channel = conn.default_channel
        if conn.transport.driver_type == "redis":
            return {queue: _redis_depth(channel, queue) for queue in queues}
        if conn.transport.driver_type == "filesystem":
            return {queue: _filesystem_depth(channel, queue) for queue in queues}
        return {queue: _amqp_depth(conn, queue) for queue in queues}


def _amqp_depth(conn, queue: str) -> int:
    # A queue no worker declared yet holds nothing (as on Redis); the broker answers 404 and closes the
    # channel that asked, so each queue is asked on a channel of its own.
    channel = conn.channel()
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except conn.channel_errors:
        return 0
    finally:
        with contextlib.suppress(Exception):
            channel.close()


def _redis_depth(channel, queue: str) -> int:
    # kombu keeps priorities in sub-lists named "<queue>\x06\x16<priority>" beside the plain list.
    names = [channel._q_for_pri(queue, priority) for priority in channel.priority_steps]
    with channel.client.pipeline() as pipe:
        for name in names:
            pipe.type(name)
        kinds = {_text(kind) for kind in pipe.execute()} - {"none", "list"}
        if kinds:  # LLEN would fail with WRONGTYPE: say what is there instead
            raise NotAQueue(f"“{queue}” is not a queue: the broker holds a {', '.join(sorted(kinds))} under that "
                            "name (kombu keeps its routing tables in sets named _kombu.binding.*), not a list of "
                            "messages.")
        for name in names:
            pipe.llen(name)
        return sum(pipe.execute())


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _filesystem_depth(channel, queue: str) -> int:
    folder = Path(channel.data_folder_in)
    return sum(1 for _ in folder.glob(f"*.{queue}.msg")) if folder.exists() else 0


def retry_links(task_id: str) -> dict:
    """The retries that sent this task again, and the task this one retried (from the audit log)."""
    retries = AuditRecord.objects.filter(action=RETRY_ACTION, target=task_id, result=AuditRecord.Result.OK)
    origin = AuditRecord.objects.filter(action=RETRY_ACTION, parameters__new_task_id=task_id).first()
    return {
        "retried_as": [(r.parameters.get("new_task_id"), r) for r in retries.order_by("created_at")],
        "retry_of": origin.target if origin else None,
    }
