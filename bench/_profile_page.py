"""Profile one page in-process with pyinstrument: where its Python time goes, and its queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_task_history_1000000 \\
        .venv/bin/python bench/_profile_page.py "/admin/django_celery_results/taskresult/?status=FAILURE"

Renders the URL through Django's test client as a superuser (``--as`` another email), ``--warm`` times
untimed, then ``--repeat`` times under the profiler; prints each query with its time, the median
wall and CPU time per request, and pyinstrument's call tree (``--html FILE`` for the interactive view).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DB_POOL_MAX_SIZE", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from core.models import User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--as", dest="email", default="bench@idonethis.test")
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--html", help="write pyinstrument's HTML view here")
    args = parser.parse_args()
    user = User.objects.filter(email=args.email).first() or User.objects.create_superuser(
        email=args.email, password="profile-password-1"
    )
    client = Client(raise_request_exception=True)
    client.force_login(user)
    for _ in range(args.warm):
        client.get(args.url)
    with CaptureQueriesContext(connection) as captured:
        status = client.get(args.url).status_code
    print(f"{args.url}: {status}, {len(captured)} queries")
    for query in captured:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
    walls, cpu, profiler = [], time.process_time(), Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(args.url)
            walls.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu) * 1000 / args.repeat
    print(f"median {statistics.median(walls):.1f} ms wall, {cpu:.1f} ms CPU per request (profiler included)")
    print(profiler.output_text(unicode=True, color=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
