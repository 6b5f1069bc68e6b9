"""Time to answer an overloaded web dyno: every pooled connection busy, how long a request waits before it
is told 503 (with ``Retry-After``), and how fast the dyno serves again once connections come back.

One waitress process as the Procfile starts it (production settings, 90 threads, pool of 20). The pool is
exhausted the way slow queries exhaust it: 20 webhook posts queue behind a lock this script holds, each
holding its pooled connection. Then signed-in page loads, one after another, are timed. The baseline is
the same process with ``DB_POOL_TIMEOUT=5``, the default before overload answered fast, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_inbound_bench REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/overload.py
"""

import os
import statistics
import threading
import time
import uuid

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idt_inbound_bench")
import _django  # noqa: E402  (Django set up against the benchmark database)
import _http  # noqa: E402
import _results  # noqa: E402
import psycopg  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from core.models import User  # noqa: E402
from core.services.accounts import user_signup  # noqa: E402
from tests import mailgun  # noqa: E402

POOL = 20
REPLY = (_http.ROOT / "tests/core/reply_corpus/gmail_top_posted.eml").read_text()


def session_cookie() -> dict:
    user = User.objects.filter(email="overload@bench.test").first() or user_signup(
        email="overload@bench.test", password="bench-password-1", full_name="Olga Overload"
    )
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def held_post(base: str, done: list) -> None:
    raw = REPLY.replace("<CAF=gmail-top-1@mail.gmail.com>", f"<{uuid.uuid4().hex}@bench>")
    body, content_type = mailgun.multipart(mailgun.signed_fields(raw, key=_http.SIGNING_KEY))
    headers = {
        "Content-Type": content_type,
        "Authorization": mailgun.basic_auth(_http.WEBHOOK_SECRET),
        **_http.HTTPS,
    }
    done.append(requests.post(base + mailgun.INBOUND_PATH, data=body, headers=headers, timeout=120).status_code)


def waiting_on_the_lock(dyno: str) -> int:
    with psycopg.connect(database_url(), autocommit=True) as watcher:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'", [dyno]
        ).fetchone()[0]


def measure(pool_timeout: str, cookies: dict, loads: int) -> dict:
    """Median seconds to the answer with the pool exhausted, its statuses, and the first load after."""
    dyno = f"web.overload{pool_timeout}"
    env = _http.production_env(
        DYNO=dyno, DB_POOL_MAX_SIZE=str(POOL), DB_POOL_TIMEOUT=pool_timeout, DB_STATEMENT_TIMEOUT_SECONDS="300"
    )
    with _http.serve(env=env) as (base, _server):
        page = lambda: requests.get(base + "/", cookies=cookies, headers=_http.HTTPS, timeout=120)  # noqa: E731
        assert page().status_code == 200
        done: list[int] = []
        with psycopg.connect(database_url()) as blocker:
            blocker.execute("LOCK TABLE core_inboundtoken IN ACCESS EXCLUSIVE MODE")
            posts = [threading.Thread(target=held_post, args=(base, done)) for _ in range(POOL)]
            for post in posts:
                post.start()
            deadline = time.monotonic() + 60
            while waiting_on_the_lock(dyno) < POOL:
                if time.monotonic() > deadline:
                    raise SystemExit("the pool was not exhausted within 60 s")
                time.sleep(0.1)
            times, statuses, retry_after = [], [], set()
            for _ in range(loads):
                started = time.monotonic()
                answer = page()
                times.append(time.monotonic() - started)
                statuses.append(answer.status_code)
                retry_after.add(answer.headers.get("Retry-After"))
            blocker.rollback()
        for post in posts:
            post.join(120)
        started = time.monotonic()
        after = page().status_code
        recovered = time.monotonic() - started
    return {
        "seconds": statistics.median(times),
        "statuses": sorted(set(statuses)),
        "retry_after": sorted(r for r in retry_after if r),
        "recovered": (after, recovered),
        "held": sorted(set(done)),
    }


def main() -> None:
    parser = _results.parser(__doc__)
    parser.add_argument("--loads", type=int, default=10, help="timed page loads while the pool is exhausted")
    args = parser.parse_args()
    if args.quick:
        args.loads = 3
    _django.migrate()
    cookies = session_cookie()
    now = measure("1", cookies, args.loads)  # the web dyno's default
    before = measure("5", cookies, args.loads)
    for label, result in (("DB_POOL_TIMEOUT=1 (web default)", now), ("DB_POOL_TIMEOUT=5 (before)", before)):
        print(
            f"{label}: median {result['seconds']:.2f} s to answer, statuses {result['statuses']}, "
            f"Retry-After {result['retry_after']}; held posts answered {result['held']}; "
            f"after release: {result['recovered'][0]} in {result['recovered'][1] * 1000:.0f} ms"
        )
    print()
    _results.report(
        [
            _results.Result(
                what=f"time to 503 + Retry-After, pool exhausted ({POOL} of {POOL} held), signed-in page",
                figure=now["seconds"] * 1000,
                unit="ms",
                higher_is_better=False,
                baseline=before["seconds"] * 1000,
                baseline_what="DB_POOL_TIMEOUT=5, same run",
                max_figure=1500,
            )
        ],
        bench="overload",
    )


if __name__ == "__main__":
    main()
