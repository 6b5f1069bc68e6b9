"""CPU per request of the day page, the same page for a day nobody posted, and the one-query view, in one
process through the production WSGI handler (production settings, the cache on Redis).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_day_page REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/_cpu_pages.py [--passes 3 --requests 60] [--profile day|empty|baseline]

Reads the team ``bench/day_page.py`` built (run that first). Prints the median ``time.process_time`` per
request of each URL, pass by pass: what a request costs in CPU, whatever the machine's load.
``--profile`` prints pyinstrument's call tree for one of them instead; ``--only`` just requests one (for py-spy).
"""

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("DB_POOL_MAX_SIZE", "4")  # pooled, as the web dyno (no per-request health check)
os.environ.setdefault("DYNO", "web.1")
if os.environ.get("REDIS_URL"):
    os.environ.setdefault("CACHE_URL", os.environ["REDIS_URL"])

import _django  # noqa: E402,F401 (sets Django up)
import day_page  # noqa: E402
from _baseline_wsgi import ONE_QUERY_PATH, application  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import Team, User  # noqa: E402


def environ(path: str, query: str, cookie: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }


def request(env: dict) -> int:
    statuses = []
    body = application({**env, "wsgi.input": io.BytesIO()}, lambda status, headers, *a: statuses.append(status))
    size = sum(len(chunk) for chunk in body)
    if hasattr(body, "close"):
        body.close()
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{env['PATH_INFO']}?{env['QUERY_STRING']}: {statuses[0]}")
    return size


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_argument("--passes", type=int, default=3)
    options.add_argument("--requests", type=int, default=60)
    options.add_argument("--profile", choices=["day", "empty", "baseline"])
    options.add_argument("--only", choices=["day", "empty", "baseline"], help="just request it (under py-spy)")
    args = options.parse_args()
    team = Team.objects.get(name=day_page.NAME)
    viewer = User.objects.get(email=day_page.EMAIL.format(n=1))
    cookie = day_page.session_cookie(viewer)
    day = timezone.now().date()
    urls = {
        "day": environ(f"/t/{team.hash_id}/", f"date={day.isoformat()}", cookie),
        "empty": environ(f"/t/{team.hash_id}/", f"date={(day - dt.timedelta(days=400)).isoformat()}", cookie),
        "baseline": environ(f"/{ONE_QUERY_PATH}", "", cookie),
    }
    sizes = {name: request(env) for name, env in urls.items()}  # warm: sections cached, templates loaded
    for env in urls.values():
        for _ in range(5):
            request(env)
    if args.only:
        for _ in range(args.requests):
            request(urls[args.only])
        return
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(args.requests):
                request(urls[args.profile])
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    print(f"bytes: {sizes}")
    for n in range(args.passes):
        cpu = {name: [] for name in urls}
        for _ in range(args.requests):  # interleaved: the machine's noise falls on each URL alike
            for name, env in urls.items():
                started = time.process_time()
                request(env)
                cpu[name].append((time.process_time() - started) * 1000)
        medians = {name: statistics.median(times) for name, times in cpu.items()}
        line = ", ".join(f"{name} {ms:.2f} ms" for name, ms in medians.items())
        print(f"pass {n + 1}: {line}; day ÷ one-query {medians['day'] / medians['baseline']:.1f}")


if __name__ == "__main__":
    main()
