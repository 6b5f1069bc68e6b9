"""Memory: a web process under load, and a worker process over thousands of tasks (Linux RSS).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_memory REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/memory.py

Web: a waitress process with production settings and 90 threads serves a team's day page; its RSS
once warm (a few requests) is the baseline, its RSS after ``wrk -c50`` for ``--seconds`` the figure.
Worker: ``celery worker --concurrency=1`` runs ``scheduled.ops_echo`` (a real task that stores its
result); the child's RSS after the first ``--warm`` tasks is the baseline, after ``--tasks`` the figure.
"""

import os
import time
import uuid
from pathlib import Path

import _django  # noqa: F401  (configures Django)
import _http
from _results import Result, parser, report
from _team import session_cookie, team_with_a_day
from django_celery_results.models import TaskResult

from portal.celery import app as celery_app
from tests import processes


def web_rss(args) -> tuple[float, float]:
    team, viewer = team_with_a_day("bench-memory")
    path, cookie = f"/t/{team.hash_id}/", session_cookie(viewer)
    with _http.serve(threads=90, env=_http.production_env()) as (base_url, server):
        _http.sequential(base_url, path, requests=5, headers={"Cookie": cookie})
        warm = _http.rss_mb(server.pid)
        result = _http.wrk(
            base_url + path, seconds=args.seconds, connections=args.connections, headers={"Cookie": cookie}
        )
        loaded = _http.rss_mb(server.pid)
    print(
        f"web: {warm:.0f} MB warm, {loaded:.0f} MB after {result['rps'] * args.seconds:.0f} requests "
        f"({result['rps']:.1f} req/s, {result['non_2xx']:.0f} non-2xx)",
        flush=True,
    )
    return warm, loaded


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _run_tasks(queue: str, count: int, timeout: float) -> None:
    ids = [celery_app.send_task("scheduled.ops_echo", args=[n], queue=queue).id for n in range(count)]
    deadline = time.monotonic() + timeout
    while TaskResult.objects.filter(task_id__in=ids, status="SUCCESS").count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} tasks did not finish within {timeout:.0f} s")
        time.sleep(0.5)


def worker_rss(args) -> tuple[float, float]:
    queue = f"bench-memory-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "DYNO": f"worker.{queue}"}
    with processes.celery_worker(env=env, queue=queue, loglevel="WARNING") as worker:
        _run_tasks(queue, args.warm, timeout=300)
        (child,) = _children(worker.pid)
        warm = _http.rss_mb(child)
        _run_tasks(queue, args.tasks - args.warm, timeout=1800)
        (child_after,) = _children(worker.pid)
        if child_after != child:
            raise RuntimeError("the worker replaced its child process: growth would be hidden")
        after = _http.rss_mb(child)
    print(f"worker child: {warm:.0f} MB after {args.warm} tasks, {after:.0f} MB after {args.tasks}", flush=True)
    return warm, after


def main(argv: list[str] | None = None) -> list[Result]:
    options = parser(__doc__)
    options.add_argument("--connections", type=int, default=50)
    options.add_argument("--seconds", type=int, default=20)
    options.add_argument("--warm", type=int, default=100, help="tasks before the worker's baseline")
    options.add_argument("--tasks", type=int, default=2000)
    args = options.parse_args(argv)
    if args.quick:
        args.connections, args.seconds, args.warm, args.tasks = 10, 3, 20, 100
    _django.migrate()
    web_warm, web_loaded = web_rss(args)
    worker_warm, worker_after = worker_rss(args)
    return report(
        [
            Result(
                what=f"web process RSS after wrk -c{args.connections} for {args.seconds} s, 90 threads",
                figure=web_loaded,
                unit="MB",
                higher_is_better=False,
                baseline=web_warm,
                baseline_what="warm, before the load",
                max_figure=192,
            ),
            Result(
                what=f"worker process RSS after {args.tasks:,} tasks",
                figure=worker_after,
                unit="MB",
                higher_is_better=False,
                baseline=worker_warm,
                baseline_what=f"after {args.warm} tasks",
                min_ratio=0.9,  # no growth beyond noise: at most 1.1× what it held once warm
                max_figure=128,
            ),
        ],
        bench="memory",
    )


if __name__ == "__main__":
    main()
