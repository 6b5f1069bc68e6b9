"""Sync code-defined schedules into django-celery-beat's tables without undoing a staff pause."""

import json

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from scheduled.schedules import SCHEDULES

CODE_MARK = "Defined in scheduled/schedules.py"


def _schedule_fields(spec: dict) -> dict:
    if "every_seconds" in spec:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=spec["every_seconds"], period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    crontab, _ = CrontabSchedule.objects.get_or_create(**spec["crontab"], timezone="UTC")
    return {"crontab": crontab, "interval": None}


@transaction.atomic
def schedules_sync(schedules: dict = SCHEDULES) -> dict:
    created, updated = [], []
    for name, spec in schedules.items():
        definition = {
            "task": spec["task"],
            "args": json.dumps(spec.get("args", [])),
            "kwargs": json.dumps(spec.get("kwargs", {})),
            "queue": spec.get("queue"),
            "description": f"{CODE_MARK}. {spec.get('description', '')}".strip(),
            **_schedule_fields(spec),
        }
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            PeriodicTask.objects.create(name=name, enabled=True, **definition)
            created.append(name)
        else:  # `enabled` is staff's to decide: never touched here
            for field, value in definition.items():
                setattr(task, field, value)
            task.save()
            updated.append(name)
    removed = PeriodicTask.objects.filter(description__startswith=CODE_MARK).exclude(name__in=schedules)
    removed_names = list(removed.values_list("name", flat=True))
    for task in removed:
        task.delete()
    return {"created": created, "updated": updated, "removed": removed_names}
