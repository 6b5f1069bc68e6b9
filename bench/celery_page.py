"""Time the workers and queues page cold (cache cleared before each load) with real workers running,
and count the ``inspect`` broadcasts each load makes (each waits its whole timeout for replies).

Starts ``--workers`` real Celery workers (each on its own queue, heartbeating every second) against
the benchmark database and ``REDIS_URL``, waits for their heartbeats, then renders the page through
Django's test client as a superuser: ``--runs`` cold loads of the page, then of its on-demand
details (``?details=1&refresh=1``). Prints a Markdown table (milliseconds).

    createdb -h 127.0.0.1 -U postgres idt_bench_celery_page
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_celery_page REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/celery_page.py --workers 2 --runs 7

The same-run baseline is what the page did before it read heartbeats: the six ``inspect`` broadcasts
(ping, stats, active, reserved, scheduled, active_queues) with the 1 s timeout it gave each.
"""

import contextlib
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idt_bench_celery_page")
os.environ.setdefault("DB_POOL_MAX_SIZE", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from _results import Result, parser, report  # noqa: E402
from celery.app import control  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from core.models import User  # noqa: E402
from ops.models import Heartbeat  # noqa: E402
from portal.celery import app as celery_app  # noqa: E402
from tests import processes  # noqa: E402

BROADCASTS_BEFORE = ("ping", "stats", "active", "reserved", "scheduled", "active_queues")

broadcasts: list[str] = []
_request = control.Inspect._request


def _counted(self, command, **kwargs):
    broadcasts.append(command)
    return _request(self, command, **kwargs)


control.Inspect._request = _counted  # counts, then asks the workers for real


def timed(client: Client, url: str, runs: int) -> tuple[list[float], float]:
    times, before = [], len(broadcasts)
    for _ in range(runs):
        cache.clear()  # cold: nothing remembered from the previous load
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times, (len(broadcasts) - before) / runs


def broadcasts_before(runs: int) -> list[float]:
    """What one load cost before heartbeats: six broadcasts, each waiting its whole 1 s timeout for replies."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        inspector = celery_app.control.inspect(timeout=1.0)
        for command in BROADCASTS_BEFORE:
            getattr(inspector, command)()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> list[Result]:
    options = parser(__doc__)
    options.add_argument("--workers", type=int, default=2)
    options.add_argument("--runs", type=int, default=7)
    args = options.parse_args(argv)
    if args.quick:
        args.workers, args.runs = 1, 3
    call_command("migrate", verbosity=0)
    tag = uuid.uuid4().hex[:6]
    env = {**os.environ, "HEARTBEAT_INTERVAL_SECONDS": "1"}
    with contextlib.ExitStack() as workers:
        # Runs last, once the workers stopped: their heartbeats are bench data only.
        workers.callback(lambda: Heartbeat.objects.filter(dyno__startswith=f"worker.bench-{tag}").delete())
        for i in range(1, args.workers + 1):
            queue = f"bench-{tag}-{i}"
            worker_env = {**env, "DYNO": f"worker.{queue}"}
            workers.enter_context(processes.celery_worker(env=worker_env, queue=queue, loglevel="WARNING"))
        deadline = time.monotonic() + 90
        while Heartbeat.objects.filter(dyno__startswith=f"worker.bench-{tag}", stopped_at=None).count() < args.workers:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not report a heartbeat within 90 s")
            time.sleep(0.5)
        user, _ = User.objects.get_or_create(
            email="bench-root@idonethis.test", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)
        client.get("/admin/ops/celery/")  # warm: imports, session, permissions (not the page's own caches)
        print(f"{args.workers} workers, {args.runs} cold loads each\n")
        print("| load | median | min | max | inspect broadcasts per load |")
        print("|---|---:|---:|---:|---:|")
        medians = {}
        for label, url in (
            ("page", "/admin/ops/celery/"),
            ("details (on demand)", "/admin/ops/celery/?details=1&refresh=1"),
        ):
            times, per_load = timed(client, url, args.runs)
            medians[label] = statistics.median(times)
            print(
                f"| {label} | {statistics.median(times):,.0f} ms | {min(times):,.0f} ms | {max(times):,.0f} ms "
                f"| {per_load:g} |"
            )
        before = statistics.median(broadcasts_before(args.runs))
        print(f"| six broadcasts (the page before) | {before:,.0f} ms | | | 6 |")
    return report(
        [
            Result(
                what=f"workers and queues page, cold load, {args.workers} workers (median)",
                figure=medians["page"],
                unit="ms",
                higher_is_better=False,
                baseline=before,
                baseline_what="six inspect broadcasts",
                min_ratio=10,
            ),
        ],
        bench="celery_page",
    )


if __name__ == "__main__":
    main()
