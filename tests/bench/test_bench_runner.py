"""bin/bench's runner end to end in quick mode: each benchmark runs in its own process with its own
database and its rows land in the one table; a benchmark that breaks shows as a failed row, not a crash.
(The benchmarks' figures live in bench/, never in tests.)"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.conftest import requires_postgres

ROOT = Path(__file__).resolve().parents[2]

# A small real benchmark in the agreed format: queries per second on one kept connection against a
# new connection per query, in the database the runner gave it.
SMALL_BENCH = '''
"""Queries on one connection against a connection per query."""
import os, time
import psycopg
from _results import Result, parser, report

def rate(make, count):
    started = time.perf_counter()
    for _ in range(count):
        make()
    return count / (time.perf_counter() - started)

def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    url, count = os.environ["DATABASE_URL"], 20 if args.quick else 2000
    with psycopg.connect(url) as kept:
        assert kept.execute("SELECT current_database()").fetchone()[0].endswith("_connections_quick")
        one = rate(lambda: kept.execute("SELECT 1").fetchone(), count)
    def fresh():
        with psycopg.connect(url) as conn:
            conn.execute("SELECT 1").fetchone()
    return report([Result(what=f"{count} queries on one connection", figure=one, unit="queries/s",
                          higher_is_better=True, baseline=rate(fresh, count), baseline_what="a connection each",
                          min_ratio=1)], bench="connections")

if __name__ == "__main__":
    main()
'''


def _server_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/postgres"


def _drop_databases(server: str, prefix: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        names = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"]).fetchall()
        for (name,) in names:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def bench_folder(tmp_path):
    (tmp_path / "connections.py").write_text(SMALL_BENCH)
    (tmp_path / "broken.py").write_text("import sys\nprint('about to fail')\nsys.exit(3)\n")
    (tmp_path / "_helper.py").write_text("raise SystemExit('a helper is never run as a benchmark')\n")
    return tmp_path


def _runner(*args: str, server: str = "", prefix: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env.update(BENCH_DATABASE_URL=server, BENCH_DATABASE_PREFIX=prefix)
    return subprocess.run(
        [sys.executable, "bench/_runner.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@requires_postgres
def test_it_runs_each_benchmark_in_its_own_database_and_prints_one_table(bench_folder):
    server, prefix = _server_url(), f"test_idt_bench_{uuid.uuid4().hex[:8]}"
    try:
        run = _runner("--quick", "--dir", str(bench_folder), server=server, prefix=prefix)
    finally:
        _drop_databases(server, prefix)
    lines = run.stdout.splitlines()
    assert "| bench | what | figure | baseline | ratio | goal | pass |" in lines, run.stdout + run.stderr
    (row,) = [line for line in lines if line.startswith("| connections |")]
    assert "| 20 queries on one connection |" in row and "queries/s (a connection each)" in row and "| ≥ 1× |" in row
    (broken,) = [line for line in lines if line.startswith("| broken |")]
    assert "did not finish (exit 3; see var/bench/broken-quick.log)" in broken and broken.endswith("| **FAIL** |")
    assert "_helper" not in run.stdout
    assert run.returncode == 1 and lines[-1].endswith("1 missed it")


def test_it_refuses_a_benchmark_that_does_not_exist():
    run = _runner("--quick", "no_such_bench")
    assert run.returncode == 2
    assert "no benchmark named no_such_bench" in run.stderr
