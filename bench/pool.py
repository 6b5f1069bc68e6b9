"""Throughput of a web process whose 90 threads share a connection pool, against one connection per thread.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_pool .venv/bin/python bench/pool.py

Two waitress processes with production settings and 90 threads serve a team's day page to ``wrk``
(``--connections`` at once, a logged-in member): one with the pool (``DB_POOL_MAX_SIZE``), one with
persistent per-thread connections (``DB_POOL_MAX_SIZE=0``, what psycopg2 gave). They take turns,
``--rounds`` times each, so both see the same load from the rest of the machine. The per-thread
process opens up to ``--connections`` connections to PostgreSQL: leave that many free.
"""

import _django  # noqa: F401  (configures Django)
import _http
from _results import Result, parser, report
from _team import session_cookie, team_with_a_day


def requests_per_second(pool_size: int, path: str, cookie: str, args) -> float:
    env = _http.production_env(DB_POOL_MAX_SIZE=str(pool_size), DB_POOL_MIN_SIZE=str(min(2, pool_size)))
    with _http.serve(threads=90, env=env) as (base_url, _server):
        _http.sequential(base_url, path, requests=5, headers={"Cookie": cookie})  # warm: imports, templates
        result = _http.wrk(
            base_url + path, seconds=args.seconds, connections=args.connections, headers={"Cookie": cookie}
        )
    # Answers that are not 2xx/3xx (a request that waited past DB_POOL_TIMEOUT for a connection) do not count.
    print(
        f"pool={pool_size or 'per-thread'}: {result['ok_rps']:.1f} req/s answered "
        f"({result['non_2xx']:.0f} failed answers, {result['errors']:.0f} socket errors), "
        f"p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms",
        flush=True,
    )
    return result["ok_rps"]


def main(argv: list[str] | None = None) -> list[Result]:
    options = parser(__doc__)
    options.add_argument("--pool", type=int, default=10, help="DB_POOL_MAX_SIZE of the pooled process")
    options.add_argument("--connections", type=int, default=30, help="wrk connections (requests at once)")
    options.add_argument("--seconds", type=int, default=15)
    options.add_argument("--rounds", type=int, default=2)
    args = options.parse_args(argv)
    if args.quick:
        args.pool, args.connections, args.seconds, args.rounds = 4, 10, 3, 1
    _django.migrate()
    team, viewer = team_with_a_day("bench-pool")
    path, cookie = f"/t/{team.hash_id}/", session_cookie(viewer)
    pooled, per_thread = [], []
    for _ in range(args.rounds):
        pooled.append(requests_per_second(args.pool, path, cookie, args))
        per_thread.append(requests_per_second(0, path, cookie, args))
    return report(
        [
            Result(
                what=f"day page, 90 threads sharing a pool of {args.pool}, wrk -c{args.connections}",
                figure=sum(pooled) / len(pooled),
                unit="req/s",
                higher_is_better=True,
                baseline=sum(per_thread) / len(per_thread),
                baseline_what="a connection per thread",
                min_ratio=0.95,
            )
        ],
        bench="pool",
    )


if __name__ == "__main__":
    main()
