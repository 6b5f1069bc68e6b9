"""Ops actions on beat schedules: run one now, pause or resume several. All audited.

Bulk ``update()`` bypasses django-celery-beat's save signal, so ``PeriodicTasks.update_changed()``
is bumped by hand: a running beat re-reads its schedule on the next tick, no restart needed.
"""

import json

from django.db import transaction
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from ops.services.audit import audited
from portal.celery import app as celery_app


def schedule_run_now(*, actor, periodic_task: PeriodicTask) -> str:
    """Send the schedule's task now with its stored args, kwargs, queue and options; return the task id."""
    with audited(actor=actor, action="schedule.run_now", target=periodic_task.name,
                 parameters={"task": periodic_task.task}) as audit:
        options = {"headers": {"periodic_task_name": periodic_task.name}}
        for option in ("queue", "exchange", "routing_key", "priority"):
            if getattr(periodic_task, option) not in (None, ""):
                options[option] = getattr(periodic_task, option)
        if periodic_task.expire_seconds:
            options["expires"] = periodic_task.expire_seconds
        options["headers"].update(json.loads(periodic_task.headers or "{}"))
        sent = celery_app.send_task(periodic_task.task, args=json.loads(periodic_task.args or "[]"),
                                    kwargs=json.loads(periodic_task.kwargs or "{}"), **options)
        audit.parameters["new_task_id"] = sent.id
        audit.detail = f"sent {periodic_task.task} as {sent.id}"
    return sent.id


def schedules_set_enabled(*, actor, names: list[str], enabled: bool) -> int:
    """Pause (``enabled=False``) or resume the named schedules; return how many changed."""
    action = "schedule.resume" if enabled else "schedule.pause"
    with audited(actor=actor, action=action, target=", ".join(sorted(names))[:300],
                 parameters={"names": sorted(names)}) as audit, transaction.atomic():
        changed = PeriodicTask.objects.filter(name__in=names).exclude(enabled=enabled).update(enabled=enabled)
        PeriodicTasks.update_changed()
        audit.parameters["changed"] = changed
        audit.detail = f"{changed} schedule(s) {'resumed' if enabled else 'paused'}"
    return changed
