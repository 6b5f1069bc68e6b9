"""The daily loop's tasks are registered under stable names and scheduled by code."""

from django_celery_beat.models import PeriodicTask

from portal.celery import app
from scheduled.schedules import SCHEDULES
from scheduled.sync import schedules_sync


def test_every_scheduled_task_exists_under_its_stable_name(db):
    app.loader.import_default_modules()
    for spec in SCHEDULES.values():
        assert spec["task"] in app.tasks, spec["task"]
        assert spec["task"].startswith("scheduled.")
    assert "scheduled.send_delivery" in app.tasks
    schedules_sync()
    assert PeriodicTask.objects.get(name="deliveries-tick").interval.every == 60
    assert PeriodicTask.objects.get(name="inbound-prune").crontab.hour == "3"
