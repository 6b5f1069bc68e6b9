from django_celery_beat.models import PeriodicTask

from scheduled.schedules import SCHEDULES
from scheduled.sync import CODE_MARK, schedules_sync


def test_it_creates_every_code_defined_schedule(db):
    result = schedules_sync()
    assert sorted(result["created"]) == sorted(SCHEDULES)
    task = PeriodicTask.objects.get(name="heartbeat-sweep")
    assert task.task == "scheduled.heartbeat_sweep" and task.enabled and task.interval.every == 60


def test_it_keeps_a_schedule_that_staff_paused_paused(db):
    schedules_sync()
    PeriodicTask.objects.filter(name="heartbeat-sweep").update(enabled=False)
    result = schedules_sync()
    assert "heartbeat-sweep" in result["updated"]
    assert PeriodicTask.objects.get(name="heartbeat-sweep").enabled is False


def test_it_removes_code_schedules_that_code_no_longer_defines_but_not_staff_ones(db):
    schedules_sync({"old": {"task": "scheduled.heartbeat_sweep", "every_seconds": 30}})
    staff = PeriodicTask.objects.get(name="old")
    staff.pk = None
    staff.name, staff.description = "made-by-staff", "hand-made"
    staff.save()
    result = schedules_sync()
    assert result["removed"] == ["old"]
    assert PeriodicTask.objects.filter(name="made-by-staff").exists()
    assert all(t.description.startswith(CODE_MARK) for t in PeriodicTask.objects.exclude(name="made-by-staff"))
