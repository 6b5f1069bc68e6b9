"""Task history: fast at any size (no full counts), details by role, retry and revoke audited."""

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from ops.models import AuditRecord
from ops.runtime.task_arguments import InexactArguments, store_exact_arguments, stored_arguments
from ops.selectors.tasks import queue_depths
from tests.conftest import requires_postgres
from tests.ops.conftest import client_for

pytestmark = pytest.mark.django_db

NESTED = [{"ünïcødé": "日本語 ✓", "deep": {"list": [1, 2.5, None, True, {"x": "y" * 2000}]}}, "€"]


def _stored(value) -> str:
    """What django-celery-results stores for an ``argsrepr`` header: the string JSON-encoded once more."""
    return json.dumps(value)


def task_result(*, status="SUCCESS", name="scheduled.ops_echo", args=None, kwargs=None, queue="celery", **fields):
    now = timezone.now()
    headers = {"argsrepr": "", "kwargsrepr": ""}
    store_exact_arguments(headers=headers, body=(args or [], kwargs or {}, {}))
    defaults = {"task_id": str(uuid.uuid4()), "task_name": name, "status": status, "worker": "w1@host",
                "date_started": now - dt.timedelta(seconds=2), "task_args": _stored(headers["argsrepr"]),
                "task_kwargs": _stored(headers["kwargsrepr"]), "meta": json.dumps({"queue": queue, "retries": 0}),
                "result": json.dumps({"ok": True}), "content_type": "application/json", "content_encoding": "utf-8"}
    date_done = fields.pop("date_done", None)
    row = TaskResult.objects.create(**{**defaults, **fields})
    if date_done:  # date_done is auto_now: set it after the insert
        times = {"date_done": date_done, "date_started": date_done - dt.timedelta(seconds=2),
                 "date_created": date_done - dt.timedelta(seconds=2.5)}
        TaskResult.objects.filter(pk=row.pk).update(**times)
        row.__dict__.update(times)
    return row


def test_it_publishes_complete_arguments_that_read_back_exactly():
    row = task_result(args=NESTED, kwargs={"naïve": NESTED})
    assert stored_arguments(row) == (NESTED, {"naïve": NESTED})


def test_it_refuses_to_retry_arguments_stored_as_a_truncated_repr():
    row = task_result(task_args=_stored("('abc', ...)"))
    with pytest.raises(InexactArguments):
        stored_arguments(row)


def test_it_lists_results_without_counting_the_whole_table(dev):
    for status in ["SUCCESS"] * 55 + ["FAILURE"]:
        task_result(status=status)
    client = client_for(dev)
    url = reverse("admin:django_celery_results_taskresult_changelist")
    for query in ("", "?status=FAILURE", "?task_name=scheduled.ops_echo&done=24h", "?q=gibberish"):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url + query)
        assert response.status_code == 200
        assert len(captured) <= 10, [q["sql"] for q in captured]  # the same for 3 rows or a full page
        counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and "taskresult" in q["sql"]]
        assert all("LIMIT" in sql.upper() for sql in counts), counts
        assert not any("DISTINCT" in q["sql"].upper() and "taskresult" in q["sql"] for q in captured)
    page_query = next(q["sql"] for q in captured if "ORDER BY" in q["sql"] and "taskresult" in q["sql"])
    assert "task_args" not in page_query.split(" FROM ")[0]  # large fields deferred
    failed = client.get(url + "?status=FAILURE").content.decode()
    assert failed.count('data-state="FAILURE"') == 1 and 'data-state="SUCCESS"' not in failed


def test_it_finds_a_task_by_exact_id_and_by_text_in_its_arguments(dev):
    wanted = task_result(args=["needle-42"])
    task_result(args=["hay"])
    client = client_for(dev)
    url = reverse("admin:django_celery_results_taskresult_changelist")
    by_id = client.get(url, {"q": wanted.task_id}).content.decode()
    by_text = client.get(url, {"q": "needle-42"}).content.decode()
    for page in (by_id, by_text):
        assert reverse("admin:django_celery_results_taskresult_change", args=[wanted.pk]) in page
        assert page.count('data-state="SUCCESS"') == 1


def test_it_shows_arguments_and_tracebacks_to_developers_only(sam, dev):
    row = task_result(status="FAILURE", args=NESTED, traceback="Traceback (most recent call last):\nRuntimeError: boom")
    url = reverse("admin:django_celery_results_taskresult_change", args=[row.pk])
    developer_view = client_for(dev).get(url).content.decode()
    support_view = client_for(sam).get(url).content.decode()
    assert "RuntimeError: boom" in developer_view and "日本語 ✓" in developer_view
    assert "RuntimeError: boom" not in support_view and "日本語" not in support_view
    assert 'data-state="FAILURE"' in support_view


def test_it_retries_with_the_same_arguments_linked_and_audited(dev, sam, settings):
    queue = f"test-retry-{uuid.uuid4().hex[:8]}"
    row = task_result(status="FAILURE", args=NESTED, kwargs={"k": "v"}, queue=queue)
    url = reverse("admin:ops_task_retry", args=[row.pk])
    assert client_for(sam).post(url, {"confirmed": "yes"}).status_code == 403
    response = client_for(dev).post(url, {"confirmed": "yes"}, follow=True)
    record = AuditRecord.objects.get(action="task.retry", target=row.task_id)
    new_id = record.parameters["new_task_id"]
    assert record.actor == dev and new_id in response.content.decode()
    assert queue_depths([queue]) == {queue: 1}  # sent where the original ran
    detail = client_for(dev).get(reverse("admin:django_celery_results_taskresult_change", args=[row.pk]))
    assert f'data-attempt="{new_id}"' in detail.content.decode()
    _purge(queue)


def _purge(queue: str) -> None:
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


@requires_postgres
def test_it_estimates_a_big_filtered_count_from_the_planner_instead_of_counting(dev):
    TaskResult.objects.bulk_create([TaskResult(task_id=str(uuid.uuid4()), task_name="scheduled.ops_echo",
                                               status="FAILURE") for _ in range(1200)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE django_celery_results_taskresult")
    page = client_for(dev).get(reverse("admin:django_celery_results_taskresult_changelist"), {"status": "FAILURE"})
    assert "task results (planner&#x27;s estimate)" in page.content.decode() or \
        "task results (planner's estimate)" in page.content.decode()


def test_it_counts_a_small_filter_exactly_on_every_load(dev):
    for _ in range(3):
        task_result(status="FAILURE")
    client, url = client_for(dev), reverse("admin:django_celery_results_taskresult_changelist")
    assert "3 task results" in client.get(url, {"status": "FAILURE"}).content.decode()
    task_result(status="FAILURE")
    assert "4 task results" in client.get(url, {"status": "FAILURE"}).content.decode()


@requires_postgres
def test_it_asks_about_a_big_filter_once_then_shows_the_estimate_it_was_given(dev):
    TaskResult.objects.bulk_create([TaskResult(task_id=str(uuid.uuid4()), task_name="scheduled.ops_echo",
                                               status="FAILURE") for _ in range(10_500)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE django_celery_results_taskresult")
    client, url = client_for(dev), reverse("admin:django_celery_results_taskresult_changelist")
    pages = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            pages.append(client.get(url, {"status": "FAILURE"}).content.decode())
        pages.append([q["sql"] for q in captured if "taskresult" in q["sql"] and "ORDER BY" not in q["sql"]])
    first, first_counts, second, second_counts = pages
    assert any(sql.startswith("EXPLAIN") for sql in first_counts)
    assert any("COUNT(" in sql.upper() for sql in first_counts)
    assert second_counts == []  # neither counted nor planned again: the page query alone
    assert "(planner&#x27;s estimate)" in second and second.count('data-state="FAILURE"') == 50
    label = first.split(" task results (planner")[0].rsplit("about ", 1)[1]
    assert f"about {label} task results" in second and int(label.replace(",", "")) >= 10_000
