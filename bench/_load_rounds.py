"""Rounds of wrk on one URL against one waitress server, back to back: requests per second, the web
process's user and system CPU and its context switches per request, round by round. What showed the lock
convoys (docs/performance.md, "No lock every request takes"): a process that falls into one makes 60–80
voluntary context switches per request instead of ~9, and stays there while the load lasts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_day_page REDIS_URL=redis://127.0.0.1:6379/5 \\
        flock /tmp/idt-bench.lock .venv/bin/python bench/_load_rounds.py [--path /bench/hello] [--rounds 6]
"""

import argparse
from pathlib import Path

import _django  # noqa: F401 (sets Django up against the bench database)
import _http


def _process(pid: int) -> tuple[int, int, int]:
    """User and system clock ticks of the process, and its threads' voluntary context switches."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    switches = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue  # a thread that ended meanwhile
        switches += sum(int(line.split()[1]) for line in lines if line.startswith("voluntary_ctxt_switches"))
    return int(fields[11]), int(fields[12]), switches


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_argument("--path", default=_http.HELLO_PATH)
    options.add_argument("--rounds", type=int, default=6)
    options.add_argument("--seconds", type=int, default=8)
    options.add_argument("--threads", type=int, default=90)
    args = options.parse_args()
    tick_ms = 1000 / __import__("os").sysconf("SC_CLK_TCK")
    env = _http.production_env(DB_POOL_MAX_SIZE="20", DYNO="web.1")
    with _http.serve(env=env, threads=args.threads) as (base, server):
        for n in range(args.rounds):
            before = _process(server.pid)
            result = _http.wrk(base + args.path, seconds=args.seconds, connections=50)
            after = _process(server.pid)
            user, system, switches = (a - b for a, b in zip(after, before, strict=True))
            requests = result["requests"]
            print(
                f"round {n + 1}: {result['rps']:,.0f} req/s, CPU per request user {user * tick_ms / requests:.2f}"
                f" + system {system * tick_ms / requests:.2f} ms, {switches / requests:.1f} voluntary switches",
                flush=True,
            )


if __name__ == "__main__":
    main()
