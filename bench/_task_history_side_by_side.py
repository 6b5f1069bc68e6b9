"""Same run, same load: another checkout's task history (``--base``, e.g. a ``git worktree`` of main) and this
one's, served side by side from the 1M-row database, requested in alternation with the stock page. Medians of
our pages (4 a round from each) and of the stock page (1 a round); the first round warms and is dropped.

    git worktree add --detach ../base main
    flock /tmp/idt-bench.lock .venv/bin/python bench/_task_history_side_by_side.py --base ../base --rounds 6

Both are served with this checkout's virtualenv; run ``bin/bench task_history`` once first (it fills the
database ``idt_bench_task_history_1000000``, or ``TASK_HISTORY_DATABASE_URL``).
"""

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
URL = os.environ.get("TASK_HISTORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idt_bench_task_history_1000000")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DB_POOL_MAX_SIZE", "0")
os.environ["DATABASE_URL"] = URL

import django  # noqa: E402

django.setup()

import _http  # noqa: E402
from _team import session_cookie  # noqa: E402
from task_history import OURS, STOCK, _url  # noqa: E402

from core.models import User  # noqa: E402

VIEWS = {
    "unfiltered": ({}, {}),
    "state filter": ({"status": "FAILURE"}, {"status__exact": "FAILURE"}),
    "task filter": ({"task_name": "scheduled.digest_send"}, {"task_name": "scheduled.digest_send"}),
}


@contextlib.contextmanager
def serve(checkout: Path):
    """The web dyno (production settings) of ``checkout``'s code, with this checkout's virtualenv."""
    port = _http.free_port()
    env = _http.production_env(DATABASE_URL=URL, DB_POOL_MAX_SIZE="20", DB_STATEMENT_TIMEOUT_SECONDS="0")
    env["PYTHONPATH"] = f"{checkout / 'bench'}{os.pathsep}{checkout}"
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/waitress-serve"),
            f"--listen=127.0.0.1:{port}",
            "--threads=90",
            *_http.PROXY,
            "_task_history_site:application",
        ],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _http._wait_until_answering(port, "/health", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _load() -> str:
    return f"load {Path('/proc/loadavg').read_text().strip()} at {time.strftime('%H:%M:%S', time.gmtime())} UTC"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_argument("--base", required=True, type=Path, help="the other checkout (its code, this virtualenv)")
    options.add_argument("--rounds", type=int, default=6)
    args = options.parse_args()
    cookie = {"Cookie": session_cookie(User.objects.get(email="bench@idonethis.test"))}
    print(_load())
    with serve(args.base.resolve()) as base, serve(ROOT) as here:
        for name, (ours, stock) in VIEWS.items():
            times = {"base": [], "here": [], "stock": []}
            for round_number in range(args.rounds + 1):
                measured = {
                    "base": _http.sequential(base, _url(OURS, ours), requests=4, headers=cookie),
                    "here": _http.sequential(here, _url(OURS, ours), requests=4, headers=cookie),
                    "stock": _http.sequential(here, _url(STOCK, stock), requests=1, headers=cookie),
                }
                if round_number:
                    for key, values in measured.items():
                        times[key] += values
            m = {key: statistics.median(values) for key, values in times.items()}
            print(
                f"| {name} | base {m['base']:.1f} ms ({m['stock'] / m['base']:.1f}×) "
                f"| this checkout {m['here']:.1f} ms ({m['stock'] / m['here']:.1f}×) | stock {m['stock']:.0f} ms |",
                flush=True,
            )
    print(_load())


if __name__ == "__main__":
    main()
