"""The task history page against django-celery-results' stock admin, end to end over HTTP, as the table grows.

Fills ``django_celery_results_taskresult`` on PostgreSQL with ``INSERT … SELECT generate_series``
(not the ORM) up to each size, runs ``VACUUM ANALYZE``, then serves both pages from one waitress
process with production settings (``bench/_task_history_site.py``: ours at ``/admin/``, the stock
admin at ``/stock-admin/``) and requests each view one after another as a logged-in superuser:
unfiltered, by state, by task name, search by task id. Medians, milliseconds.

    createdb -h 127.0.0.1 -U postgres idt_bench_task_history
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_task_history \
        .venv/bin/python bench/task_history.py --sizes 10000,1000000

Each size has its own database (``<name>_<size>``, filled once and reused by later runs) served by
its own web process; the two pages are requested in alternation (the same load from the rest of the
machine on both). The first size is the baseline of "flat as the table grows". ``--sizes 10000,10000000``
measures 10M (a fill of ~30 min the first time).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DB_POOL_MAX_SIZE", "0")

import django  # noqa: E402

django.setup()

import _databases  # noqa: E402
import _http  # noqa: E402
from _results import Result, parser, report  # noqa: E402
from _team import session_cookie  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils.http import urlencode  # noqa: E402
from django_celery_results.models import TaskResult  # noqa: E402

OURS = "/admin/django_celery_results/taskresult/"
STOCK = "/stock-admin/django_celery_results/taskresult/"
VIEWS = ("unfiltered", "state filter", "task filter", "search by id")

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


def views(size: int) -> dict[str, tuple[dict, dict]]:
    """Each view's query string on our page and on the stock page."""
    some_id = TaskResult.objects.filter(id=size // 2).values_list("task_id", flat=True).first()
    return {
        "unfiltered": ({}, {}),
        "state filter": ({"status": "FAILURE"}, {"status__exact": "FAILURE"}),
        "task filter": ({"task_name": "scheduled.digest_send"}, {"task_name": "scheduled.digest_send"}),
        "search by id": ({"q": some_id}, {"q": some_id}),
    }


def timed_pair(base_url: str, view: tuple[dict, dict], cookie: str, rounds: int, ours_per_round: int):
    """Median ms of our page and of the stock page, requested in alternation (the same load on both);
    the first round warms the process's caches and is dropped."""
    ours, stock = [], []
    for round_number in range(rounds + 1):
        mine = _http.sequential(base_url, _url(OURS, view[0]), requests=ours_per_round, headers={"Cookie": cookie})
        theirs = _http.sequential(base_url, _url(STOCK, view[1]), requests=1, headers={"Cookie": cookie})
        if round_number:
            ours += mine
            stock += theirs
    return _http.median(ours), _http.median(stock)


def _url(path: str, query: dict) -> str:
    return path + ("?" + urlencode(query) if query else "")


def measure(size: int, args) -> dict[str, tuple[float, float]]:
    """This size's own database (``<name>_<size>``, filled once), served by its own web process."""
    url = _databases.sibling(os.environ["DATABASE_URL"], str(size))
    _databases.use(url)
    call_command("migrate", verbosity=0)
    filled = fill_to(size)
    from core.models import User

    user = User.objects.filter(email="bench@idonethis.test").first() or User.objects.create_superuser(
        email="bench@idonethis.test", password="bench-password-1"
    )
    cookie = session_cookie(user)
    figures = {}
    # The production pool (not a connection a thread); no statement timeout: the stock search takes longer than 5 s.
    env = _http.production_env(DATABASE_URL=url, DB_POOL_MAX_SIZE="20", DB_STATEMENT_TIMEOUT_SECONDS="0")
    with _http.serve("_task_history_site:application", env=env) as (base_url, _server):
        for view, queries in views(size).items():
            ours, stock = timed_pair(base_url, queries, cookie, args.stock_requests, args.requests_per_round)
            figures[view] = ours, stock
            print(f"| {size:,} | {filled:.0f} | {view} | {ours:.1f} | {stock:.1f} | {stock / ours:.1f}× |", flush=True)
            filled = 0.0
    return figures


def main(argv: list[str] | None = None) -> list[Result]:
    options = parser(__doc__)
    options.add_argument("--sizes", default="10000,1000000", help="the first is the baseline of flatness")
    options.add_argument("--stock-requests", type=int, default=5, help="rounds: one stock request each (median)")
    options.add_argument("--requests-per-round", type=int, default=4, help="requests to our page in each round")
    args = options.parse_args(argv)
    if args.quick:
        args.sizes, args.stock_requests = "2000,20000", 3
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| rows | fill s | view | ours ms | stock ms | stock / ours |")
    print("|---:|---:|---|---:|---:|---:|")
    measured = {size: measure(size, args) for size in sizes}
    ours = {(size, view): pair[0] for size, figures in measured.items() for view, pair in figures.items()}
    stock = {(size, view): pair[1] for size, figures in measured.items() for view, pair in figures.items()}
    big, small = sizes[-1], sizes[0]
    rows = [
        Result(
            what=f"task history, {big:,} rows, {view}, HTTP median",
            figure=ours[big, view],
            unit="ms",
            higher_is_better=False,
            baseline=stock[big, view],
            baseline_what="stock admin",
            min_ratio=20 if big >= 1_000_000 else None,  # the stock page only falls behind on big tables
        )
        for view in VIEWS
    ]
    if big != small:
        slowest_big = max(ours[big, view] for view in VIEWS)
        slowest_small = max(ours[small, view] for view in VIEWS)
        rows.append(
            Result(
                what=f"task history flat: slowest view at {big:,} rows",
                figure=slowest_big,
                unit="ms",
                higher_is_better=False,
                baseline=slowest_small,
                baseline_what=f"at {small:,} rows",
                min_ratio=1 / 1.5,  # at most 1.5× the small table's
            )
        )
    return report(rows, bench="task_history")


if __name__ == "__main__":
    main()
