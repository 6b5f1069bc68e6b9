"""Beat tick time at 1M memberships against 10k, with the same number due (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_tick .venv/bin/python bench/tick.py [--due 500]

Rows are made with generate_series (no ORM loops) through the models' own columns (bench/_rows.py).
The tick's cost should follow the number due, not the table: it reads next_reminder_at through its
index and claims with SKIP LOCKED batches. Each size has its own database (``<name>_<size>``, built
once and reused); the sizes are ticked in alternation, the smallest being the same-run baseline.
"""

import os
import statistics
import time

os.environ.setdefault("DB_POOL_MAX_SIZE", "0")  # one connection, switched between the sizes' databases

import _databases  # noqa: E402
import _django  # noqa: E402
from _results import Result, parser, report  # noqa: E402
from _rows import insert_select  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from core.models import Membership, Organization, Team, User  # noqa: E402
from core.services.deliveries import deliveries_claim_due  # noqa: E402

TIME_ZONES = "(ARRAY['UTC','America/New_York','Europe/Berlin','Asia/Tokyo','Australia/Sydney'])[1 + g %% 5]"
SERIES = "FROM generate_series(%(first)s, %(last)s) AS g"
# Every other column comes from the model (bench/_rows.py): a new NOT NULL field cannot break the bench.
USERS = (
    User,
    {
        "password": "''",
        "email": "'bench' || g || '@bench.test'",
        "hash_id": "'b' || g",
        "full_name": "'Bench ' || g",
        "time_zone": TIME_ZONES,
    },
    SERIES,
)
ORGS = (Organization, {"hash_id": "'bo' || g", "name": "'Org ' || g"}, SERIES)
TEAMS = (
    Team,
    {"hash_id": "'bt' || g", "organization": "o.id", "name": "'Team ' || g", "slug": "'bench-team-' || g"},
    SERIES + " JOIN core_organization o ON o.hash_id = 'bo' || g",
)
# Nobody due: next times spread over the coming week, as in a real table at any minute.
MEMBERSHIPS = (
    Membership,
    {
        "user": "u.id",
        "team": "t.id",
        "joined_at": "now() - interval '30 days'",
        "next_reminder_at": "now() + (1 + (u.id * 7919) %% 10080) * interval '1 minute'",
        "next_digest_at": "now() + (1 + (u.id * 104729) %% 10080) * interval '1 minute'",
    },
    "FROM core_user u JOIN core_team t ON t.hash_id = 'bt' || (1 + (substring(u.hash_id from 2)::bigint / 20))"
    " WHERE u.email LIKE 'bench%%@bench.test' AND substring(u.hash_id from 2)::bigint BETWEEN %(first)s AND %(last)s",
)


def _insert(cursor, spec, params: dict) -> None:
    sql, defaults = insert_select(*spec)
    cursor.execute(sql, {**defaults, **params})


def grow_to(total: int, have: int) -> None:
    if total <= have:
        return
    params = {"first": have + 1, "last": total}
    with transaction.atomic(), connection.cursor() as cursor:
        _insert(cursor, USERS, params)
        teams = {"first": have // 20 + 1 + (1 if have else 0), "last": total // 20 + 1}  # 20 members a team
        _insert(cursor, ORGS, teams)
        _insert(cursor, TEAMS, teams)
        _insert(cursor, MEMBERSHIPS, params)
    with connection.cursor() as cursor:
        for table in ("core_user", "core_team", "core_membership", "core_entry"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def make_due(due: int) -> None:
    """The same number due at every scale: random members whose reminder time is now."""
    with connection.cursor() as cursor:
        # Rows whose spread-out time has come while the table was built would be due too: move them on.
        for field in ("next_reminder_at", "next_digest_at"):
            cursor.execute(
                f"UPDATE core_membership SET {field} = {field} + interval '7 days'"  # noqa: S608
                f" WHERE {field} <= now() + interval '10 minutes'"
            )
        cursor.execute(
            "UPDATE core_membership SET next_reminder_at = now() - interval '20 seconds'"
            " WHERE id IN (SELECT id FROM core_membership ORDER BY random() LIMIT %s)",
            [due],
        )


def tick_once(due: int) -> tuple[float, dict]:
    make_due(due)
    started = time.perf_counter()
    counts = deliveries_claim_due(enqueue=lambda delivery_id: None)
    return time.perf_counter() - started, counts


def explain() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM core_membership WHERE next_reminder_at <= now()"
            " ORDER BY next_reminder_at LIMIT 500 FOR UPDATE SKIP LOCKED"
        )
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def bench_members() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_user WHERE email LIKE 'bench%%@bench.test'")
        return cursor.fetchone()[0]


def build(size: int) -> str:
    """This size's own database (``<DATABASE_URL's name>_<size>``), filled to ``size`` members once."""
    url = _databases.sibling(os.environ["DATABASE_URL"], str(size))
    _databases.use(url)
    _django.migrate()
    have = bench_members()
    if have != size:
        started = time.perf_counter()
        grow_to(size, have)
        print(f"{size:,} memberships built in {time.perf_counter() - started:.1f} s", flush=True)
    return url


def main(argv: list[str] | None = None) -> list[Result]:
    options = parser(__doc__)
    options.add_argument("--due", type=int, default=500)
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--sizes", default="10000,1000000", help="the first is the baseline")
    args = options.parse_args(argv)
    if args.quick:
        args.sizes, args.due, args.runs = "2000,20000", 100, 3
    sizes = [int(s) for s in args.sizes.split(",")]
    databases = {size: build(size) for size in sizes}
    timings: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(args.runs):  # sizes in alternation: both see the same load from the rest of the machine
        for size in sizes:
            _databases.use(databases[size])
            seconds, counts = tick_once(args.due)
            timings[size].append(seconds)
    medians = {size: statistics.median(times) for size, times in timings.items()}
    for size in sizes:
        print(
            f"memberships={size:>9,}  due={args.due}  tick median={medians[size] * 1000:8.1f} ms"
            f"  ({medians[size] / args.due * 1e6:6.0f} µs per due member)"
            f"  runs: {', '.join(f'{t * 1000:.0f}' for t in timings[size])} ms"
        )
    print("plan of the claim query:\n" + explain())
    small, big = sizes[0], sizes[-1]
    return report(
        [
            Result(
                what=f"beat tick, {args.due} due of {big:,} memberships (median of {args.runs})",
                figure=medians[big] * 1000,
                unit="ms",
                higher_is_better=False,
                baseline=medians[small] * 1000,
                baseline_what=f"{args.due} due of {small:,}",
                min_ratio=0.8,  # the tick follows the number due: at most 1.25× the small table's
            ),
            Result(
                what=f"reminders claimed per second in one tick, {big:,} memberships",
                figure=args.due / medians[big],
                unit="claims/s",
                higher_is_better=True,
                baseline=args.due / medians[small],
                baseline_what=f"{small:,} memberships",
            ),
        ],
        bench="tick",
    )


if __name__ == "__main__":
    main()
