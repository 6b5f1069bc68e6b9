"""On a real worker and beat: retry reproduces exact arguments, failures keep their traceback,
run-now results link back to their schedule, and a paused schedule stops running."""

import json
import uuid

import pytest
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_results.models import TaskResult

from ops.runtime.task_arguments import stored_arguments
from ops.services.schedules import schedules_set_enabled
from ops.services.tasks import task_retry
from portal.celery import app as celery_app
from tests.ops.conftest import client_for
from tests.processes import celery_beat, celery_worker, process_env, wait_for

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]

NESTED = [{"ünïcødé": "日本語 ✓ \"quoted\" \\ back", "deep": {"l": [1, 2.5, None, True, {"x": "y" * 3000}]}}, "€"]
KWARGS = {"naïve": {"emoji": "🚀", "list": [[], {}, [[]]]}}


def _result(task_id: str, status: str = "SUCCESS") -> TaskResult | None:
    return TaskResult.objects.filter(task_id=task_id, status=status).first()


def _queue() -> str:
    return f"test-task-{uuid.uuid4().hex[:8]}"


def test_it_retries_a_task_on_a_real_worker_with_exactly_the_same_arguments(dev):
    queue = _queue()
    with celery_worker(env=process_env(), queue=queue) as worker:
        sent = celery_app.send_task("scheduled.ops_echo", args=NESTED, kwargs=KWARGS, queue=queue)
        first = wait_for(lambda: _result(sent.id), timeout=60, what="the first run's result")
        new_id = task_retry(actor=dev, task_result=first)
        second = wait_for(lambda: _result(new_id), timeout=60, what="the retry's result")
    assert worker.returncode == 0, worker.log_text
    assert stored_arguments(first) == stored_arguments(second) == (NESTED, KWARGS)
    assert json.loads(second.result) == {"args": NESTED, "kwargs": KWARGS}
    page = client_for(dev).get(reverse("admin:django_celery_results_taskresult_change", args=[first.pk]))
    assert f'data-attempt="{new_id}"' in page.content.decode()


def test_it_shows_a_failed_task_with_its_traceback(dev):
    queue = _queue()
    with celery_worker(env=process_env(), queue=queue):
        sent = celery_app.send_task("scheduled.ops_echo", args=["x"], kwargs={"fail": True}, queue=queue)
        failed = wait_for(lambda: _result(sent.id, "FAILURE"), timeout=60, what="the failure's result")
    page = client_for(dev).get(reverse("admin:django_celery_results_taskresult_change", args=[failed.pk]))
    html = page.content.decode()
    assert 'id="traceback"' in html and "RuntimeError: ops_echo failed on purpose" in html
    listed = client_for(dev).get(reverse("admin:django_celery_results_taskresult_changelist"), {"status": "FAILURE"})
    assert reverse("admin:django_celery_results_taskresult_change", args=[failed.pk]) in listed.content.decode()


def test_it_runs_a_schedule_now_and_links_the_result_back(dev):
    queue = _queue()
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.DAYS)
    schedule = PeriodicTask.objects.create(name=queue, task="scheduled.ops_echo", interval=every, queue=queue,
                                           args='["from-schedule"]', kwargs='{"n": 1}')
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")
    with celery_worker(env=process_env(), queue=queue):
        client_for(dev).post(changelist, {"action": "run_now", "_selected_action": [schedule.pk]})
        result = wait_for(lambda: TaskResult.objects.filter(periodic_task_name=queue, status="SUCCESS").first(),
                          timeout=60, what="the run-now result")
    assert json.loads(result.result) == {"args": ["from-schedule"], "kwargs": {"n": 1}}
    page = client_for(dev).get(changelist).content.decode()
    assert reverse("admin:django_celery_results_taskresult_change", args=[result.pk]) in page


def test_it_stops_a_schedule_that_is_paused_while_beat_runs(dev):
    queue = _queue()
    PeriodicTask.objects.update(enabled=False)  # only ours runs
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    for name in ("control", "paused"):
        PeriodicTask.objects.create(name=f"{queue}-{name}", task="scheduled.ops_echo", interval=every, queue=queue)

    def runs(name: str) -> int:
        return TaskResult.objects.filter(periodic_task_name=f"{queue}-{name}", status="SUCCESS").count()

    env = process_env()
    with celery_worker(env=env, queue=queue), celery_beat(env=env, name=queue):
        wait_for(lambda: runs("paused") >= 1, timeout=60, what="the schedule to run before the pause")
        schedules_set_enabled(actor=dev, names=[f"{queue}-paused"], enabled=False)
        control = runs("control")
        wait_for(lambda: runs("control") >= control + 3, timeout=60, what="beat to tick on after the pause")
        settled = runs("paused")  # a message sent just before the pause may still have been in flight
        wait_for(lambda: runs("control") >= control + 6, timeout=60, what="more ticks")
        assert runs("paused") == settled
