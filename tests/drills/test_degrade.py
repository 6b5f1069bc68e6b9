"""Drills: the web process degrades cleanly and recovers by itself when its database or its Redis fails.

Real processes (waitress with production settings as a web dyno), the real PostgreSQL behind a TCP
proxy the test controls, a Redis of the test's own on a spare port. Each drill prints its figures.
"""

import os
import shutil
import subprocess
import threading
import time
import uuid

import pytest

from core.models import Entry
from tests.conftest import requires_postgres
from tests.drills.web_session import csrf_from, log_in, session, timed
from tests.processes import free_port, process_env, wait_for, waitress
from tests.processes import test_database_url as database_url
from tests.tcp_proxy import ControlledProxy

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]

PAGE_BUDGET_SECONDS = 8  # one bounded wait (pool 5 s, or silent connection 6 s), never two; the router gives up at 30 s
HEALTH_BUDGET_SECONDS = 5
RECOVERY_BUDGET_SECONDS = 30
LINES = 3  # every drill post is three entries in one transaction: all or nothing


def _figures(capsys, title: str, rows: list[tuple]) -> None:
    with capsys.disabled():
        print(f"\n--- {title}")
        for row in rows:
            print("   ", *row)


class Poster(threading.Thread):
    """Posts a three-line entry again and again, remembering what each post answered."""

    def __init__(self, web, url: str, token: str):
        super().__init__(daemon=True)
        self.web, self.url, self.token = web, url, token
        self.results: list[tuple[str, int]] = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            marker = f"drill{uuid.uuid4().hex[:10]}"
            text = "\n".join(f"{marker} line {i} #drill" for i in range(LINES))
            status, _, _ = timed(self.web.post, self.url, data={"text": text, "csrfmiddlewaretoken": self.token})
            self.results.append((marker, status))
            self.stop.wait(0.3)


def _probe(web, base: str, day_url: str, token: str) -> dict:
    """A page, /health and a post at once; each answer's status and seconds."""
    jobs = {
        "page": lambda: timed(web.get, day_url),
        "health": lambda: timed(web.get, f"{base}/health"),
        "post": lambda: timed(web.post, day_url, data={"text": "during the outage", "csrfmiddlewaretoken": token}),
    }
    answers = {}
    threads = [threading.Thread(target=lambda n=n, j=j: answers.__setitem__(n, j())) for n, j in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def _assert_degraded(answers: dict) -> None:
    page_status, page_seconds, page_body = answers["page"]
    assert page_status == 503 and "Back in a moment" in page_body, answers["page"]
    assert page_seconds <= PAGE_BUDGET_SECONDS
    assert answers["post"][0] == 503 and answers["post"][1] <= PAGE_BUDGET_SECONDS, answers["post"]
    assert answers["health"][0] == 503 and answers["health"][1] <= HEALTH_BUDGET_SECONDS, answers["health"]


def _recovery_seconds(web, base: str, day_url: str) -> float:
    started = time.monotonic()
    wait_for(
        lambda: web.get(day_url, timeout=30).status_code == 200,
        timeout=RECOVERY_BUDGET_SECONDS,
        interval=0.5,
        what="pages answer again",
    )
    wait_for(
        lambda: web.get(f"{base}/health", timeout=30).status_code == 200,
        timeout=RECOVERY_BUDGET_SECONDS,
        interval=0.5,
        what="/health healthy again",
    )
    return time.monotonic() - started


@requires_postgres
def test_it_answers_503_within_budget_while_the_database_refuses_then_black_holes_and_recovers(alice, team, capsys):
    db_port = int(database_url().rsplit(":", 1)[1].split("/", 1)[0])
    with ControlledProxy(db_port) as proxy:
        url = database_url().replace(f":{db_port}/", f":{proxy.port}/")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = process_env(DYNO="web.1", DATABASE_URL=url)
        with waitress(port, env=env, threads=8):
            wait_for(lambda: timed(session().get, f"{base}/health")[0] == 200, timeout=60, what="waitress up")
            web = session()
            assert log_in(web, base, "alice@example.com", "alice-password-1")[0] == 302
            day_url = f"{base}/t/{team.hash_id}/"
            token = csrf_from(web, day_url)
            poster = Poster(web, day_url, token)
            poster.start()
            wait_for(lambda: any(status == 302 for _, status in poster.results), what="a first post")

            proxy.refuse()
            refused = _probe(web, base, day_url, token)
            proxy.forward()
            after_refuse = _recovery_seconds(web, base, day_url)

            proxy.blackhole()
            black_holed = _probe(web, base, day_url, token)
            black_holed_again = _probe(web, base, day_url, token)  # now with no pooled connection left
            proxy.forward()
            after_blackhole = _recovery_seconds(web, base, day_url)
            posts_after = len(poster.results)
            wait_for(
                lambda: len(poster.results) > posts_after and poster.results[-1][1] == 302, what="posting works again"
            )
            poster.stop.set()
            poster.join(60)

    rows = [
        (phase, name, status, f"{seconds:.2f} s")
        for phase, answers in (
            ("refused", refused),
            ("black-holed", black_holed),
            ("black-holed, no pool", black_holed_again),
        )
        for name, (status, seconds, _) in answers.items()
    ]
    rows += [
        ("recovered after refuse", f"{after_refuse:.2f} s"),
        ("recovered after black-hole", f"{after_blackhole:.2f} s"),
    ]
    stored = {marker: Entry.objects.filter(text__startswith=marker).count() for marker, _ in poster.results}
    answered = {status for _, status in poster.results}
    rows.append(
        (
            "posts",
            len(poster.results),
            "answers",
            sorted(answered),
            "stored whole",
            sum(1 for n in stored.values() if n == LINES),
            "half-written",
            sum(1 for n in stored.values() if n not in (0, LINES)),
        )
    )
    _figures(capsys, "database drill (refuse, black-hole, recover)", rows)

    for answers in (refused, black_holed, black_holed_again):
        _assert_degraded(answers)
    assert after_refuse <= RECOVERY_BUDGET_SECONDS and after_blackhole <= RECOVERY_BUDGET_SECONDS
    assert answered <= {302, 503}, poster.results  # never a bare 500, never a hang
    assert all(n in (0, LINES) for n in stored.values()), stored
    assert all(stored[marker] == LINES for marker, status in poster.results if status == 302)
    assert not Entry.objects.filter(text="during the outage").exists()


@requires_postgres
def test_every_pooled_connection_ended_by_the_server_fails_no_request(alice, team, capsys):
    """What a database restart or failover does to a web dyno's pool: the server ends every connection it
    holds. The pool lends without a round trip only connections whose socket shows no goodbye, so the
    requests right after meet none of the dead ones: every one answers 200, none 503."""
    from django.db import connection

    port, dyno = free_port(), "web.8"
    base = f"http://127.0.0.1:{port}"
    with waitress(port, env=process_env(DYNO=dyno, DB_POOL_MIN_SIZE="4"), threads=8):
        wait_for(lambda: timed(session().get, f"{base}/health")[0] == 200, timeout=60, what="waitress up")
        web = session()
        assert log_in(web, base, "alice@example.com", "alice-password-1")[0] == 302
        day_url = f"{base}/t/{team.hash_id}/"
        warm = _concurrently(lambda: timed(web.get, day_url), 8)  # several pooled connections in use
        assert {status for status, _, _ in warm} == {200}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
                [dyno],
            )
            pids = [pid for (pid,) in cursor.fetchall()]
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) pid", [pids])

            def gone() -> bool:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s::int[])", [pids])
                return cursor.fetchone()[0] == 0

            wait_for(gone, timeout=10, interval=0.05, what="the ended backends gone")
            ended = len(pids)
        after = _concurrently(lambda: timed(web.get, day_url), 8) + [timed(web.get, day_url) for _ in range(8)]
    _figures(
        capsys,
        "pooled connections ended by the server",
        [("connections ended", ended), ("answers after", sorted({status for status, _, _ in after}))],
    )
    assert ended >= 2
    assert [status for status, _, _ in after] == [200] * len(after)


def _concurrently(call, n: int) -> list:
    results, threads = [], [threading.Thread(target=lambda: results.append(call())) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _admin_log_in(web, base: str, password: str):
    token = csrf_from(web, f"{base}/admin/login/")
    data = {"username": "root@idonethis.test", "password": password, "csrfmiddlewaretoken": token}
    return timed(web.post, f"{base}/admin/login/", data=data)


@pytest.fixture
def root(db):
    from tests.ops.conftest import _staff

    return _staff("root@idonethis.test", superuser=True)


@pytest.fixture
def own_redis():
    """A Redis of this test's own on a spare port (never the shared one), which the test stops and starts."""
    port = free_port()
    command = [
        shutil.which("redis-server") or "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            wait_for(
                lambda: (
                    subprocess.run(
                        ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
                    ).stdout.strip()
                    == "PONG"
                ),
                what="own redis up",
            )

        def stop(self):
            self.process.terminate()
            self.process.wait(10)

    redis = OwnRedis()
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.stop()


def test_it_keeps_login_pages_and_posting_working_while_the_cache_and_broker_redis_is_down(
    alice, team, root, own_redis, capsys
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = process_env(DYNO="web.1", REDIS_URL=own_redis.url, CACHE_URL=own_redis.url)
    env.pop("CELERY_BROKER_URL", None)
    with waitress(port, env=env, threads=6):
        wait_for(lambda: timed(session().get, f"{base}/health")[0] == 200, timeout=60, what="waitress up")
        day_url = f"{base}/t/{team.hash_id}/"

        own_redis.stop()
        started = time.monotonic()
        web = session()
        login = log_in(web, base, "alice@example.com", "alice-password-1")
        page = timed(web.get, day_url)
        token = csrf_from(web, day_url)
        post = timed(web.post, day_url, data={"text": "posted while redis is down", "csrfmiddlewaretoken": token})
        settings_page = timed(web.get, f"{base}/u/settings/")
        staff = session()
        admin_login = _admin_log_in(staff, base, "portal-password-1")
        dashboard = timed(staff.get, f"{base}/admin/")
        health = timed(web.get, f"{base}/health")
        guesser = session()
        wrong = [log_in(guesser, base, "alice@example.com", "guess")[0] for _ in range(5)]
        locked = log_in(guesser, base, "alice@example.com", "alice-password-1")
        admin_wrong = [_admin_log_in(guesser, base, "guess")[0] for _ in range(10)]
        admin_locked = _admin_log_in(guesser, base, "portal-password-1")
        down_for = time.monotonic() - started

        own_redis.start()
        back = time.monotonic()
        wait_for(
            lambda: web.get(f"{base}/health", timeout=30).status_code == 200,
            timeout=RECOVERY_BUDGET_SECONDS,
            interval=0.5,
            what="/health healthy again",
        )
        recovered = time.monotonic() - back

    _figures(
        capsys,
        "redis drill (cache + broker down)",
        [
            ("login", login[0], f"{login[1]:.2f} s"),
            ("team day", page[0], f"{page[1]:.2f} s"),
            ("post", post[0], f"{post[1]:.2f} s"),
            ("settings", settings_page[0], f"{settings_page[1]:.2f} s"),
            ("admin login", admin_login[0], f"{admin_login[1]:.2f} s"),
            ("ops dashboard", dashboard[0], f"{dashboard[1]:.2f} s"),
            ("/health", health[0], f"{health[1]:.2f} s"),
            ("5 wrong passwords", wrong),
            (
                "right password after them",
                locked[0],
                "throttled" if "Too many failed" in locked[2] else "not throttled",
            ),
            ("10 wrong admin passwords", admin_wrong),
            (
                "right admin password after them",
                admin_locked[0],
                "throttled" if "Too many failed" in admin_locked[2] else "not throttled",
            ),
            ("redis down for", f"{down_for:.1f} s"),
            ("/health healthy after redis returned", f"{recovered:.2f} s"),
        ],
    )
    assert login[0] == 302 and page[0] == 200 and post[0] == 302 and settings_page[0] == 200
    assert admin_login[0] == 302 and dashboard[0] == 200 and dashboard[1] <= PAGE_BUDGET_SECONDS
    assert health[0] == 503 and health[1] <= HEALTH_BUDGET_SECONDS
    assert wrong == [200] * 5 and locked[0] == 200 and "Too many failed attempts" in locked[2]
    assert admin_wrong == [200] * 10 and admin_locked[0] == 200 and "Too many failed attempts" in admin_locked[2]
    assert Entry.objects.filter(text="posted while redis is down", author=alice).count() == 1
    assert recovered <= RECOVERY_BUDGET_SECONDS
    assert os.environ.get("REDIS_URL") != own_redis.url  # the shared Redis was never touched
