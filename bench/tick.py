"""Beat tick time at 10k and at 1M memberships with the same number due (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_loop_bench .venv/bin/python bench/tick.py [--due 500]

Rows are made with generate_series (no ORM loops). The tick's cost should follow the number due,
not the table: it reads next_reminder_at through its index and claims with SKIP LOCKED batches.
"""

import argparse
import statistics
import time

import _django  # noqa: F401  (configures Django)
from django.db import connection, transaction

from core.services.deliveries import deliveries_claim_due

USERS_SQL = """
INSERT INTO core_user (password, is_superuser, email, is_staff, is_active, date_joined, hash_id,
                       full_name, time_zone, first_name, last_name)
SELECT '', false, 'bench' || g || '@bench.test', false, true, now(), 'b' || g, 'Bench ' || g,
       (ARRAY['UTC','America/New_York','Europe/Berlin','Asia/Tokyo','Australia/Sydney'])[1 + g %% 5], '', ''
FROM generate_series(%(first)s, %(last)s) AS g
"""
ORGS_SQL = """
INSERT INTO core_organization (hash_id, name, created_at) SELECT 'bo' || g, 'Org ' || g, now()
FROM generate_series(%(first)s, %(last)s) AS g
"""
TEAMS_SQL = """
INSERT INTO core_team (hash_id, organization_id, name, slug, is_personal, created_at)
SELECT 'bt' || g, o.id, 'Team ' || g, 'bench-team-' || g, false, now()
FROM generate_series(%(first)s, %(last)s) AS g JOIN core_organization o ON o.hash_id = 'bo' || g
"""
# Nobody due: next times spread over the coming week, as in a real table at any minute.
MEMBERSHIPS_SQL = """
INSERT INTO core_membership (user_id, team_id, role, joined_at, reminder_days, reminder_time, digest_days,
                             digest_time, emails_paused, emails_throttled, next_reminder_at, next_digest_at)
SELECT u.id, t.id, 'member', now() - interval '30 days', '01234', '17:00', '01234', '08:30', false, false,
       now() + (1 + (u.id * 7919) %% 10080) * interval '1 minute',
       now() + (1 + (u.id * 104729) %% 10080) * interval '1 minute'
FROM core_user u JOIN core_team t ON t.hash_id = 'bt' || (1 + (substring(u.hash_id from 2)::bigint / 20))
WHERE u.email LIKE 'bench%%@bench.test' AND substring(u.hash_id from 2)::bigint BETWEEN %(first)s AND %(last)s
"""


def grow_to(total: int, have: int) -> None:
    if total <= have:
        return
    params = {"first": have + 1, "last": total}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(USERS_SQL, params)
        teams = {"first": have // 20 + 1 + (1 if have else 0), "last": total // 20 + 1}  # 20 members a team
        cursor.execute(ORGS_SQL, teams)
        cursor.execute(TEAMS_SQL, teams)
        cursor.execute(MEMBERSHIPS_SQL, params)
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


def measure(due: int, runs: int) -> tuple[float, dict]:
    timings, counts = [], {}
    for _ in range(runs):
        make_due(due)
        started = time.perf_counter()
        counts = deliveries_claim_due(enqueue=lambda delivery_id: None)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), counts


def explain() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM core_membership WHERE next_reminder_at <= now()"
            " ORDER BY next_reminder_at LIMIT 500 FOR UPDATE SKIP LOCKED"
        )
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10000,1000000")
    args = parser.parse_args()
    _django.migrate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_user WHERE email LIKE 'bench%%@bench.test'")
        have = cursor.fetchone()[0]
    for size in (int(s) for s in args.sizes.split(",")):
        if have > size:
            print(f"(table already has {have} bench memberships; start from an empty database for {size})")
            continue
        started = time.perf_counter()
        grow_to(size, have)
        have = size
        built = time.perf_counter() - started
        median, counts = measure(args.due, args.runs)
        print(
            f"memberships={size:>9,}  due={args.due}  tick median={median * 1000:8.1f} ms"
            f"  ({median / args.due * 1e6:6.0f} µs per due member; claimed {counts['reminder']})"
            f"  [rows built in {built:.1f}s]"
        )
    print("plan of the claim query:\n" + explain())


if __name__ == "__main__":
    main()
