"""Real processes report heartbeats and serve /health: waitress, a Celery worker, beat."""

import json
import urllib.error
import urllib.request
import uuid

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_results.models import TaskResult

from ops.models import Heartbeat
from tests.conftest import ON_POSTGRES, requires_postgres, requires_redis
from tests.processes import celery_beat, celery_worker, free_port, process_env, wait_for, waitress

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_it_records_a_heartbeat_from_a_real_waitress_process_and_marks_it_stopped():
    port = free_port()
    with waitress(port, env=process_env(), threads=6) as web:
        status, body = wait_for(lambda: _reachable(f"http://127.0.0.1:{port}/health"), what="waitress /health")
        assert status == 200 and body["checks"]["database"]["status"] == "ok"
        row = wait_for(lambda: Heartbeat.objects.filter(process_type="web", pid=web.pid).first(), what="web heartbeat")
        assert row.threads == 6
        assert row.dyno == f"web.{row.host}.{web.pid}"
        assert row.state == Heartbeat.State.UP
        expected_mode = "pool" if ON_POSTGRES else "embedded"
        assert row.stats["pool"]["mode"] == expected_mode
        wait_for(
            lambda: Heartbeat.objects.get(pk=row.pk).stats.get("requests_total", 0) >= 1,
            what="request counted in heartbeat",
        )
    assert web.returncode == 0, web.log_text
    assert Heartbeat.objects.get(pk=row.pk).stopped_at is not None


@requires_postgres
def test_it_names_each_postgres_connection_after_its_dyno():
    port = free_port()
    with waitress(port, env=process_env(DYNO="web.7"), threads=2):
        wait_for(lambda: _reachable(f"http://127.0.0.1:{port}/health"), what="waitress /health")
        row = wait_for(lambda: Heartbeat.objects.filter(dyno="web.7").first(), what="web.7 heartbeat")
        assert row.stats["pool"]["pool_max"] == 20
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'web.7'")
            assert cursor.fetchone()[0] >= 1


def test_health_answers_503_when_the_database_is_unreachable(tmp_path):
    port = free_port()
    unreachable = "postgres://postgres@127.0.0.1:1/nowhere" if ON_POSTGRES else f"sqlite:///{tmp_path}/missing/dir/db"
    with waitress(port, env=process_env(DATABASE_URL=unreachable), threads=2):
        status, body = wait_for(lambda: _reachable(f"http://127.0.0.1:{port}/health"), what="waitress /health")
    assert status == 503
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["cache"]["status"] == "ok"


def _reachable(url: str):
    try:
        return _get(url)
    except (urllib.error.URLError, ConnectionError):
        return None


def _schedule_every_second(name: str, queue: str) -> PeriodicTask:
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(name=name, task="scheduled.heartbeat_sweep", interval=every, queue=queue)


def _beat_to_worker_round_trip(env: dict) -> TaskResult:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    PeriodicTask.objects.exclude(name__startswith="test-").update(enabled=False)  # only ours runs
    _schedule_every_second(queue, queue)
    with celery_worker(env=env, queue=queue) as worker, celery_beat(env=env, name=queue) as beat:
        result = wait_for(
            lambda: TaskResult.objects.filter(periodic_task_name=queue, status="SUCCESS").first(),
            timeout=60,
            what="a beat-sent task's stored result",
        )
        wait_for(lambda: Heartbeat.objects.filter(process_type="beat", pid=beat.pid).exists(), what="beat heartbeat")
        wait_for(
            lambda: Heartbeat.objects.filter(process_type="worker", pid=worker.pid).exists(), what="worker heartbeat"
        )
    assert worker.returncode == 0, worker.log_text
    assert beat.returncode == 0, beat.log_text
    assert result.task_name == "scheduled.heartbeat_sweep"
    assert result.worker.startswith(queue)
    assert json.loads(result.result)["remaining"] >= 1
    assert result.date_started is not None and result.date_done >= result.date_started
    return result


def test_beat_sends_through_the_embedded_broker_to_a_worker_that_stores_the_result(tmp_path):
    # The filesystem broker of the embedded defaults, on whichever database the suite runs.
    _beat_to_worker_round_trip(process_env(CELERY_BROKER_URL="filesystem://", REDIS_URL="", VAR_DIR=str(tmp_path),
                                           EMBEDDED_BROKER_DIR=str(tmp_path / "broker")))


@requires_redis
@requires_postgres
def test_beat_sends_through_redis_to_a_real_worker_on_postgres():
    import os

    _beat_to_worker_round_trip(process_env(CELERY_BROKER_URL=os.environ["REDIS_URL"]))
