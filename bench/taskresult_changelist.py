"""Time the task history page against django-celery-results' stock admin as the table grows.

Fills ``django_celery_results_taskresult`` on PostgreSQL with ``INSERT … SELECT generate_series``
(not the ORM) up to each size, runs ``VACUUM ANALYZE``, then renders both changelists in this
process (RequestFactory, a superuser) for four views: unfiltered, by state, by task name, search
by task id. Prints a Markdown table (best of several renders, milliseconds).

    createdb -h 127.0.0.1 -U postgres idt_task_history_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_task_history_bench \
        .venv/bin/python bench/taskresult_changelist.py --sizes 10000,100000,1000000,10000000

It only ever adds rows: run it again with a larger size to grow the same table.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DB_POOL_MAX_SIZE", "0")

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.contrib.messages.storage.fallback import FallbackStorage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django_celery_results.admin import TaskResultAdmin as StockTaskResultAdmin  # noqa: E402
from django_celery_results.models import TaskResult  # noqa: E402

from ops.admin.tasks.admin import TaskResultAdmin  # noqa: E402

TABLE = TaskResult._meta.db_table
TASKS = [
    "scheduled.reminder_send",
    "scheduled.digest_send",
    "scheduled.heartbeat_sweep",
    "scheduled.ops_prune",
    "scheduled.slack_post",
    "scheduled.inbound_parse",
    "scheduled.export_build",
    "scheduled.ops_echo",
]
FILL = """
INSERT INTO __TABLE__ (task_id, task_name, periodic_task_name, status, worker, content_type, content_encoding,
                     task_args, task_kwargs, result, meta, traceback, date_created, date_started, date_done)
SELECT md5('bench' || i)::uuid::text,
       (%(tasks)s::text[])[1 + i %% 8],
       CASE WHEN i %% 8 < 3 THEN 'schedule-' || (i %% 8) END,
       CASE WHEN i %% 50 = 0 THEN 'FAILURE' WHEN i %% 97 = 0 THEN 'RETRY' ELSE 'SUCCESS' END,
       'worker' || (i %% 4) || '@host',
       'application/json', 'utf-8',
       '"[' || (i %% 100000) || ', {\\"team\\": ' || (i %% 977) || '}]"', '"{}"',
       '{"sent": ' || (i %% 7) || '}', '{"queue": "celery", "retries": 0}',
       CASE WHEN i %% 50 = 0 THEN 'Traceback (most recent call last):\nRuntimeError: boom ' || i END,
       t, t + interval '5 ms', t + interval '5 ms' + (i %% 900) * interval '1 ms'
FROM generate_series(%(start)s, %(stop)s) AS i,
     LATERAL (SELECT timestamptz '2026-01-01' + i * interval '1 second') AS at(t)
""".replace("__TABLE__", TABLE)


def fill_to(size: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")  # noqa: S608
        have = cursor.fetchone()[0]
        if have >= size:
            return 0.0
        started = time.perf_counter()
        step = 1_000_000
        for start in range(have + 1, size + 1, step):
            cursor.execute(FILL, {"tasks": TASKS, "start": start, "stop": min(start + step - 1, size)})
        cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
        return time.perf_counter() - started


def render_ms(model_admin, params: dict, user, repeat: int) -> float:
    factory = RequestFactory()
    times = []
    for _ in range(repeat + (1 if repeat > 1 else 0)):
        request = factory.get("/admin/django_celery_results/taskresult/", params)
        request.user = user
        request.session = {}
        request._messages = FallbackStorage(request)
        started = time.perf_counter()
        response = model_admin.changelist_view(request)
        response.render()
        assert response.status_code == 200, response.status_code
        times.append((time.perf_counter() - started) * 1000)
    # Best of N, as timeit does: on a shared machine the other processes only ever add time.
    return min(times[1:] if repeat > 1 else times)  # a first render warms caches: dropped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stock-repeat", type=int, default=3)
    parser.add_argument("--stock-repeat-10m", type=int, default=1, help="the stock page takes minutes there")
    parser.add_argument("--only-ours", action="store_true")
    options = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    call_command("migrate", verbosity=0)
    from core.models import User

    user = User.objects.filter(email="bench@idonethis.test").first() or User.objects.create_superuser(
        email="bench@idonethis.test", password="bench-password-1"
    )
    ours, stock = TaskResultAdmin(TaskResult, admin.site), StockTaskResultAdmin(TaskResult, admin.site)
    print("| rows | fill s | view | ours ms | stock ms | stock / ours |")
    print("|---:|---:|---|---:|---:|---:|")
    for size in [int(s) for s in options.sizes.split(",")]:
        filled = fill_to(size)
        some_id = TaskResult.objects.filter(id=size // 2).values_list("task_id", flat=True).first()
        views = {
            "unfiltered": {},
            "state=FAILURE": {"status": "FAILURE"},
            "task=digest_send": {"task_name": "scheduled.digest_send"},
            "search id": {"q": some_id},
        }
        stock_views = {
            "unfiltered": {},
            "state=FAILURE": {"status__exact": "FAILURE"},
            "task=digest_send": {"task_name": "scheduled.digest_send"},
            "search id": {"q": some_id},
        }
        for view, params in views.items():
            if options.only_ours:
                print(f"| {size:,} | | {view} | {render_ms(ours, params, user, options.repeat):.1f} | | |")
                continue
            mine = render_ms(ours, params, user, options.repeat)
            theirs = render_ms(
                stock, stock_views[view], user, options.stock_repeat if size < 10_000_000 else options.stock_repeat_10m
            )
            print(
                f"| {size:,} | {filled:.0f} | {view} | {mine:.1f} | {theirs:.1f} | {theirs / mine:.0f}× |", flush=True
            )
            filled = 0.0


if __name__ == "__main__":
    main()
