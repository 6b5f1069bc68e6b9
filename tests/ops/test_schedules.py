"""Beat schedules: plain words, next run, last result, beat's liveness; run-now, pause, resume audited."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

from ops.models import AuditRecord
from ops.selectors.schedules import next_run, schedule_in_words
from ops.selectors.tasks import queue_depths
from scheduled.sync import schedules_sync
from tests.ops.conftest import client_for, heartbeat
from tests.ops.test_task_history import _purge, task_result

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:django_celery_beat_periodictask_changelist"


def _schedule(name="nightly", queue="", **fields):
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="2", day_of_week="*", day_of_month="*",
                                                       month_of_year="*", timezone="Europe/Paris")
    return PeriodicTask.objects.create(name=name, task="scheduled.ops_echo", crontab=crontab, queue=queue or None,
                                       args='[1, {"ü": "✓"}]', kwargs='{"k": [2]}', **fields)


def test_it_says_the_schedule_in_words_and_when_it_runs_next():
    nightly = _schedule()
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    minutely = PeriodicTask.objects.create(name="minutely", task="scheduled.ops_echo", interval=every,
                                           last_run_at=timezone.now() - dt.timedelta(seconds=20))
    assert "02:30 AM" in schedule_in_words(nightly) and "Europe/Paris" in schedule_in_words(nightly)
    assert schedule_in_words(minutely) == "every 60 seconds"
    assert abs((next_run(minutely) - timezone.now()).total_seconds() - 40) < 5
    paris = next_run(nightly).astimezone(ZoneInfo("Europe/Paris"))
    assert (paris.hour, paris.minute) == (2, 30)
    nightly.enabled = False
    assert next_run(nightly) == "paused"


def test_it_lists_schedules_with_last_result_linked_and_code_ones_marked(sam):
    schedules_sync()
    nightly = _schedule()
    last = task_result(status="FAILURE", periodic_task_name=nightly.name)
    page = client_for(sam).get(reverse(CHANGELIST)).content.decode()
    assert reverse("admin:django_celery_results_taskresult_change", args=[last.pk]) in page
    assert "heartbeat-sweep" in page and ">code<" in page and ">portal<" in page


def test_it_warns_when_beat_is_not_running_or_runs_twice(sam):
    page = client_for(sam).get(reverse(CHANGELIST)).content.decode()
    assert 'data-level="red"' in page and "Beat is not running" in page
    heartbeat("beat.1", "beat")
    assert 'data-level="ok"' in client_for(sam).get(reverse(CHANGELIST)).content.decode()
    heartbeat("beat.2", "beat")
    assert "2 beats are running" in client_for(sam).get(reverse(CHANGELIST)).content.decode()


def test_it_pauses_and_resumes_in_bulk_audited_and_tells_beat(dev, sam):
    first, second = _schedule("a"), _schedule("b")
    before = PeriodicTasks.last_change()
    data = {"action": "pause", "_selected_action": [first.pk, second.pk]}
    client_for(sam).post(reverse(CHANGELIST), data)  # support may look, not pause: the action is not offered
    assert PeriodicTask.objects.filter(enabled=True).count() == 2 and not AuditRecord.objects.exists()
    client_for(dev).post(reverse(CHANGELIST), data)
    assert PeriodicTask.objects.filter(enabled=True).count() == 0
    assert PeriodicTasks.last_change() and PeriodicTasks.last_change() != before
    assert AuditRecord.objects.get(action="schedule.pause").parameters["changed"] == 2
    client_for(dev).post(reverse(CHANGELIST), {"action": "resume", "_selected_action": [first.pk]})
    assert list(PeriodicTask.objects.filter(enabled=True).values_list("name", flat=True)) == ["a"]


def test_it_runs_a_schedule_now_with_its_stored_arguments_and_queue(dev):
    queue = f"test-run-now-{uuid.uuid4().hex[:8]}"
    nightly = _schedule(queue=queue)
    response = client_for(dev).post(reverse(CHANGELIST), {"action": "run_now", "_selected_action": [nightly.pk]},
                                    follow=True)
    record = AuditRecord.objects.get(action="schedule.run_now", target="nightly")
    assert record.actor == dev and f'data-new-task="{record.parameters["new_task_id"]}"' in response.content.decode()
    assert queue_depths([queue]) == {queue: 1}
    _purge(queue)


def test_it_keeps_code_defined_schedules_read_only_except_enabled(dev):
    schedules_sync()
    sweep = PeriodicTask.objects.get(name="heartbeat-sweep")
    page = client_for(dev).get(reverse("admin:django_celery_beat_periodictask_change", args=[sweep.pk]))
    html = page.content.decode()
    assert 'name="enabled"' in html and 'name="name"' not in html and 'name="task"' not in html


def test_it_saves_a_pause_from_the_change_form_of_a_code_defined_schedule(dev):
    schedules_sync()
    sweep = PeriodicTask.objects.get(name="heartbeat-sweep")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[sweep.pk])
    response = client_for(dev).post(url, {"enabled": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    sweep.refresh_from_db()
    assert sweep.enabled is False and sweep.task == "scheduled.heartbeat_sweep"
    record = AuditRecord.objects.get(action="django_celery_beat.periodictask.change")
    assert record.actor == dev and "heartbeat-sweep" in record.target and "Enabled" in str(record.parameters)
    # Through the schedules service, as the list's pause action: its own audit row, and beat told.
    paused = AuditRecord.objects.get(action="schedule.pause")
    assert paused.actor == dev and paused.parameters["names"] == ["heartbeat-sweep"]
    assert paused.parameters["changed"] == 1


def test_it_marks_next_runs_in_the_past_as_overdue_while_beat_is_down(sam):
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="late", task="scheduled.ops_echo", interval=every,
                                last_run_at=timezone.now() - dt.timedelta(minutes=30))  # beat stopped long ago
    PeriodicTask.objects.create(name="on-time", task="scheduled.ops_echo", interval=every,
                                last_run_at=timezone.now() - dt.timedelta(seconds=10))
    assert next_run(PeriodicTask.objects.get(name="late")) < timezone.now() - dt.timedelta(minutes=28)
    page = client_for(sam).get(reverse(CHANGELIST)).content.decode()
    late_row = page[page.index(">late<"):][:2000]
    on_time_row = page[page.index(">on-time<"):][:2000]
    assert "data-overdue" in late_row.split("</tr>")[0] and "overdue" in late_row.split("</tr>")[0]
    assert "data-overdue" not in on_time_row.split("</tr>")[0]
