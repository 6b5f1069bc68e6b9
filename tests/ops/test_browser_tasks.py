"""Task pages in a real browser: task history and a failed task, beat schedules, workers and queues
with their 24-hour charts, per-task statistics. Screenshots: ops-*.png (see tests/browser.py)."""

import datetime as dt
import math

import pytest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from ops.models import Sample
from ops.roles import DEVELOPER
from scheduled.sync import schedules_sync
from tests.browser import screenshot
from tests.ops.conftest import _staff, heartbeat
from tests.ops.test_task_history import NESTED, task_result

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, user, path: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})  # the history table has nine columns
    page.goto(f"/admin/login/?next={path}")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "portal-password-1")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    if page.locator("#toggle-nav-sidebar").is_visible():
        page.click("#toggle-nav-sidebar")  # the model list beside wide tables only squeezes them


def _history() -> dict:
    now = timezone.now()
    rows = {}
    for minutes, name, status in [(50, "scheduled.digest_send", "SUCCESS"), (40, "scheduled.reminder_send", "SUCCESS"),
                                  (30, "scheduled.heartbeat_sweep", "SUCCESS"), (20, "scheduled.ops_prune", "RETRY")]:
        done = now - dt.timedelta(minutes=minutes)
        rows[name] = task_result(name=name, status=status, args=[minutes], date_done=done,
                                 periodic_task_name="heartbeat-sweep" if "sweep" in name else None)
    rows["failed"] = task_result(
        name="scheduled.digest_send", status="FAILURE", args=NESTED, kwargs={"team_id": 42},
        traceback='Traceback (most recent call last):\n  File "core/services/digests.py", line 88, in digest_send\n'
                  "    raise SMTPServerDisconnected\nsmtplib.SMTPServerDisconnected: Connection unexpectedly closed",
        result='{"exc_type": "SMTPServerDisconnected", "exc_message": ["Connection unexpectedly closed"]}')
    return rows


def _day_of_samples(queue: str) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    rows = []
    for step in range(0, 24 * 60, 10):
        at = now - dt.timedelta(minutes=step)
        wave = (1 + math.sin(step / 90)) / 2
        rows += [Sample(taken_at=at, metric="queue.depth", key=queue, value=round(40 * wave)),
                 Sample(taken_at=at, metric="queue.depth", key="celery", value=round(8 * (1 - wave))),
                 Sample(taken_at=at, metric="tasks.failed", key="scheduled.digest_send", value=step % 120 == 0),
                 Sample(taken_at=at, metric="tasks.succeeded", key="scheduled.digest_send", value=round(30 * wave)),
                 Sample(taken_at=at, metric="tasks.succeeded", key="scheduled.reminder_send",
                        value=round(25 * (1 - wave))),
                 Sample(taken_at=at, metric="web.p95_ms", key="web.1", value=60 + round(140 * wave)),
                 Sample(taken_at=at, metric="process.rss_mb", key="web.1", value=170 + step / 60),
                 Sample(taken_at=at, metric="process.rss_mb", key="worker.1", value=140)]
    Sample.objects.bulk_create(rows)


def test_it_shows_task_history_and_a_failed_task_with_its_traceback_and_retry(page):
    dev = _staff("dev@idonethis.test", group=DEVELOPER)
    rows = _history()
    _log_in(page, dev, "/admin/django_celery_results/taskresult/")
    assert page.locator("[data-state=FAILURE]").count() == 1
    assert "task results" in page.locator(".paginator").inner_text()
    screenshot(page, "ops-tasks")
    page.click(f'a[href$="/taskresult/{rows["failed"].pk}/change/"]')
    assert "SMTPServerDisconnected" in page.locator("#traceback").inner_text()
    assert "日本語 ✓" in page.content()
    screenshot(page, "ops-task-detail")
    page.click("[data-retry]")
    page.click("[data-confirm]")
    assert "Sent scheduled.digest_send as" in page.locator(".messagelist").inner_text()


def test_it_shows_schedules_with_next_run_last_result_and_beat_alive(page):
    root = _staff("root@idonethis.test", superuser=True)
    schedules_sync()
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="7", day_of_week="1-5", day_of_month="*",
                                                       month_of_year="*", timezone="America/New_York")
    PeriodicTask.objects.create(name="weekday-digest-report", task="scheduled.digest_send", crontab=crontab,
                                description="Added in the portal", enabled=False)
    heartbeat("beat.1", "beat")
    _history()
    _log_in(page, root, "/admin/django_celery_beat/periodictask/")
    assert page.locator("#beat-status").get_attribute("data-level") == "ok"
    assert "paused" in page.locator("#result_list").inner_text()
    screenshot(page, "ops-schedules")


def test_it_shows_workers_queues_and_their_charts(page, settings):
    settings.OPS_INSPECT_TIMEOUT_SECONDS = 0.3
    settings.OPS_QUEUES = ["celery", "emails"]
    root = _staff("root@idonethis.test", superuser=True)
    heartbeat("worker.1", "worker", stats={"hostname": "celery@worker.1", "active_tasks": [], "pool": {}})
    heartbeat("web.1", "web", rss_bytes=180 * 2**20, stats={"requests_last_minute": 120, "p95_ms": 90, "pool": {}})
    heartbeat("worker.2", "worker", age_seconds=3600, stats={"hostname": "celery@worker.2", "pool": {}})
    _day_of_samples("emails")
    _history()
    _log_in(page, root, "/admin/ops/celery/")
    assert page.locator('tr[data-worker="celery@worker.2"]').get_attribute("data-state") == "gone"
    assert page.locator("svg.ops-chart").count() == 2
    screenshot(page, "ops-celery")
    page.goto("/admin/ops/tasks/stats/")
    assert page.locator('tr[data-task="scheduled.digest_send"] [data-failures]').inner_text() == "1"
    screenshot(page, "ops-task-stats")
    page.goto("/admin/")
    assert page.locator("#ops-charts svg.ops-chart").count() >= 4
    screenshot(page, "ops-dashboard-charts")
