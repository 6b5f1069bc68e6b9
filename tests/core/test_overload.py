"""Overload: when every pooled connection is busy, a request answers 503 with ``Retry-After`` within about
a second (Heroku's router then tries elsewhere) instead of waiting and failing, and the process
recovers by itself as soon as connections free up.

A real waitress process with the real psycopg pool (2 connections, so two requests exhaust it): the
test holds a lock that two webhook posts queue behind, each holding its pooled connection meanwhile.
"""

import threading
import time

import psycopg
import pytest
import requests
from django.test import Client

from core.models import InboundMessage
from ops.models import Heartbeat
from tests import mailgun
from tests.conftest import requires_postgres
from tests.processes import free_port, process_env, wait_for, waitress
from tests.processes import test_database_url as database_url

pytestmark = [requires_postgres, pytest.mark.processes, pytest.mark.django_db(transaction=True)]

POOL_SIZE = 2
ANSWER_BUDGET_SECONDS = 2.5  # the pool's wait (1 s) plus the request itself, on a loaded 2-core machine


def _post_webhook(base: str, raw: str) -> int:
    body, content_type = mailgun.multipart(mailgun.signed_fields(raw, recipient="rocket@in.idonethis.test"))
    headers = {"Content-Type": content_type, "Authorization": mailgun.basic_auth()}
    return requests.post(base + mailgun.INBOUND_PATH, data=body, headers=headers, timeout=60).status_code


def _answers(base: str, cookies: dict) -> bool:
    try:
        return requests.get(base + "/", cookies=cookies, timeout=10).status_code == 200
    except requests.ConnectionError:
        return False


def _turned_away_reported(dyno: str) -> dict | None:
    row = Heartbeat.objects.filter(dyno=dyno).first()
    pool = (row.stats or {}).get("pool", {}) if row else {}
    return pool if (pool.get("requests_errors") or 0) >= 1 and pool.get("interval") is not None else None


def _waiting_on_the_lock(dyno: str) -> int:
    with psycopg.connect(database_url(), autocommit=True) as watcher:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
            [dyno],
        ).fetchone()[0]


def test_it_answers_503_with_retry_after_within_a_second_of_the_pool_running_out_then_recovers(team, bob):
    port, dyno = free_port(), "web.overload"
    env = process_env(
        DYNO=dyno,
        DB_POOL_MAX_SIZE=str(POOL_SIZE),
        DB_POOL_MIN_SIZE="1",
        DB_STATEMENT_TIMEOUT_SECONDS="60",  # the held requests wait for the test, not for a timeout
    )
    browser = Client()
    browser.force_login(bob)
    cookies = {"sessionid": browser.cookies["sessionid"].value}
    base = f"http://127.0.0.1:{port}"
    with waitress(port, env=env, threads=8):
        wait_for(lambda: _answers(base, cookies), what="waitress to answer")
        held: list[int] = []
        with psycopg.connect(database_url()) as blocker:
            blocker.execute("LOCK TABLE core_inboundtoken IN ACCESS EXCLUSIVE MODE")
            posts = [
                threading.Thread(target=lambda n=n: held.append(_post_webhook(base, mailgun.reply(body=f"held {n}"))))
                for n in range(POOL_SIZE)
            ]
            for post in posts:
                post.start()
            wait_for(lambda: _waiting_on_the_lock(dyno) == POOL_SIZE, what="both pooled connections held")

            started = time.monotonic()
            page = requests.get(base + "/", cookies=cookies, timeout=30)
            took = time.monotonic() - started
            assert page.status_code == 503, page.text[:300]
            assert 0 < int(page.headers["Retry-After"]) <= 5
            assert took <= ANSWER_BUDGET_SECONDS, took
            assert "busy" in page.text

            started = time.monotonic()
            assert _post_webhook(base, mailgun.reply(body="during the overload")) == 503  # Mailgun retries it
            assert time.monotonic() - started <= ANSWER_BUDGET_SECONDS
            # The heartbeat gets through (its own connection) and tells the portal what happened.
            pool = wait_for(lambda: _turned_away_reported(dyno), timeout=15, what="a heartbeat reporting the 503s")
            assert pool["pool_size"] == pool["pool_max"] == POOL_SIZE and pool["pool_available"] == 0
            blocker.rollback()  # the held requests go on
        for post in posts:
            post.join(30)
        assert held == [200] * POOL_SIZE
        started = time.monotonic()
        assert requests.get(base + "/", cookies=cookies, timeout=30).status_code == 200
        assert time.monotonic() - started <= ANSWER_BUDGET_SECONDS
    assert InboundMessage.objects.count() == POOL_SIZE  # the refused post stored nothing: its retry will
