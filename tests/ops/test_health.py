"""/health reports every check with its status and whether it is required; 503 only for a required one."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.ops.conftest import heartbeat

# The checks run in threads with their own connections: they see committed rows only.
pytestmark = pytest.mark.django_db(transaction=True)


def test_it_reports_each_check_with_the_last_beat_tick_and_worker_heartbeat():
    heartbeat("beat.1", "beat")
    heartbeat("worker.1", "worker", age_seconds=600)
    tick = timezone.now() - dt.timedelta(seconds=30)
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="t", task="scheduled.heartbeat_sweep", interval=every, last_run_at=tick)
    body = Client().get("/health").json()
    checks = body["checks"]
    assert {name: c["required"] for name, c in checks.items()} == {
        "database": True, "cache": True, "broker": True, "beat": False, "worker": False, "maintenance": False}
    assert checks["beat"]["status"] == "ok"
    assert checks["beat"]["last_tick"] == tick.isoformat()
    assert checks["worker"]["status"] == "stale" and checks["worker"]["age_seconds"] >= 600
    assert body["status"] == "ok"


def test_it_answers_503_when_a_required_check_fails(settings):
    settings.HEALTH_REQUIRED_CHECKS = ["database", "beat"]  # no beat has ever been seen
    response = Client().get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == {"status": "unknown", "last_seen": None, "last_tick": None,
                                                 "required": True}


def test_it_stays_200_when_only_informational_checks_are_unhappy():
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["status"] == "unknown"


def test_it_says_beat_stopped_after_a_graceful_stop_not_unknown():
    stopped_at = timezone.now() - dt.timedelta(seconds=5)
    heartbeat("beat.1", "beat", stopped_at=stopped_at, age_seconds=5)
    beat = Client().get("/health").json()["checks"]["beat"]
    assert beat["status"] == "stopped" and beat["stopped_at"] == stopped_at.isoformat()
