"""``bin/bench``: run every benchmark in bench/ (or the ones named), each in its own process and database,
and print one table of what each measured against its same-run baseline.

A benchmark is any ``bench/<name>.py`` not starting with ``_`` (the row format: ``bench/_results.py``).
Each gets its own PostgreSQL database ``idt_bench_<name>`` (``_quick`` in quick mode; the prefix is
``BENCH_DATABASE_PREFIX``) on the server of ``BENCH_DATABASE_URL``, created when missing and kept for
the next run (big fills happen once).
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _databases
from _results import RESULTS_ENV, Result, table

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LOGS = ROOT / "var" / "bench"


def discover(folder: Path = BENCH_DIR) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))


def run_one(name: str, *, folder: Path, quick: bool, server: str, timeout: float, results: Path) -> list[Result]:
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "idt_bench")
    database = _databases.ensure(_databases.with_name(server, f"{prefix}_{name}{'_quick' if quick else ''}"))
    env = {
        **os.environ,
        "DATABASE_URL": database,
        RESULTS_ENV: str(results),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(ROOT)]),
    }  # the helpers, wherever the bench is
    env.pop("DJANGO_SETTINGS_MODULE", None)  # each bench chooses its own settings
    log = LOGS / f"{name}{'-quick' if quick else ''}.log"
    command = [sys.executable, str(folder / f"{name}.py"), *(["--quick"] if quick else [])]
    started = time.monotonic()
    with log.open("w") as out:
        try:
            code = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
            failure = f"exit {code.returncode}" if code.returncode else ""
        except subprocess.TimeoutExpired:
            failure = f"timed out after {timeout:.0f} s"
    rows = [Result.from_json(line) for line in results.read_text().splitlines()] if results.exists() else []
    print(
        f"  {name}: {len(rows)} rows in {time.monotonic() - started:.0f} s{' — ' + failure if failure else ''}"
        f" (log: {log.relative_to(ROOT)})",
        flush=True,
    )
    if failure or not rows:
        rows.append(
            Result(
                what=f"did not finish ({failure or 'no rows'}; see {log.relative_to(ROOT)})",
                figure=math.nan,
                unit="",
                higher_is_better=True,
                min_figure=0,
                bench=name,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bin/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(discover())})")
    parser.add_argument("--quick", action="store_true", help="small sizes: minutes for the whole set")
    parser.add_argument("--timeout", type=float, help="seconds per benchmark (default 600 quick, 10800 full)")
    parser.add_argument("--dir", type=Path, default=BENCH_DIR, help=argparse.SUPPRESS)  # the runner's own test
    args = parser.parse_args(argv)
    found = discover(args.dir)
    unknown = set(args.names) - set(found)
    if unknown:
        parser.error(f"no benchmark named {', '.join(sorted(unknown))} (there are: {', '.join(found)})")
    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    LOGS.mkdir(parents=True, exist_ok=True)
    rows: list[Result] = []
    print(f"{'quick' if args.quick else 'full'} run of {', '.join(args.names or found)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="idt-bench-") as scratch:
        for name in args.names or found:
            rows += run_one(
                name,
                folder=args.dir,
                quick=args.quick,
                server=server,
                results=Path(scratch) / f"{name}.jsonl",
                timeout=args.timeout or (600 if args.quick else 10800),
            )
    output = table(rows)
    print("\n" + output)
    (LOGS / f"results{'-quick' if args.quick else ''}.md").write_text(output + "\n")
    failed = [row for row in rows if not row.passed]
    print(f"\n{len(rows) - len(failed)} rows met their goal, {len(failed)} missed it")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
