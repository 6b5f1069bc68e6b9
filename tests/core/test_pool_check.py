"""The pooled backend's check before lending a connection (core.postgresql), on a real pool against the test
database: a connection whose server answered moments ago is lent without a round trip; one idle longer is
checked, and one whose server side died meanwhile is replaced before any query meets it."""

import time
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from psycopg_pool import ConnectionPool

from core.db import BoundedConnection
from core.postgresql.base import DatabaseWrapper
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def _pooled_backend(size: int, *, port: str | None = None):
    """Another connection to the test database through our backend, with a pool of ``size`` (through
    ``port``, a proxy's, when given)."""
    pool = {"min_size": size, "max_size": size, "timeout": 10, "connection_class": BoundedConnection}
    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "core.postgresql",
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {"connect_timeout": 1, "pool": pool},
    }
    if port is not None:
        settings_dict.update(HOST="127.0.0.1", PORT=port)
    wrapper = DatabaseWrapper(settings_dict, alias=f"pool_check_test_{size}")
    yield wrapper
    wrapper.close()
    wrapper.close_pool()


@pytest.fixture
def pooled():
    yield from _pooled_backend(1)


@pytest.fixture
def pooled_three():
    yield from _pooled_backend(3)


def _request(wrapper) -> int:
    """What a web request does: take a connection from the pool, query, give it back."""
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        wrapper.close()


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _checks():
    return mock.patch.object(ConnectionPool, "check_connection", wraps=ConnectionPool.check_connection)


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=60)
def test_a_connection_that_just_answered_is_lent_without_a_round_trip(pooled):
    first = _request(pooled)
    with _checks() as checked:
        assert _request(pooled) == first
        assert _request(pooled) == first
    assert checked.call_count == 0


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=0.2)
def test_a_connection_idle_longer_is_checked_before_it_is_lent(pooled):
    first = _request(pooled)
    time.sleep(0.3)
    with _checks() as checked:
        assert _request(pooled) == first
    assert checked.call_count == 1


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=0.2)
def test_a_connection_whose_server_died_while_idle_is_replaced_before_a_query_meets_it(pooled):
    dead = _request(pooled)
    _terminate(dead)
    time.sleep(0.3)  # idle past the window, as through any outage
    assert _request(pooled) not in (dead, None)  # the request's query ran, on a new connection


def _until_the_goodbye_arrives(pid: int) -> None:
    """pg_terminate_backend only signals the backend: wait until it has gone (and said so on its socket)."""
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} still there")


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=60)
def test_within_the_window_a_connection_the_server_ended_is_seen_on_its_socket_and_replaced(pooled):
    """A server that ended a connection (restart, crash, termination, idle timeout) says so on the socket:
    the connection is checked, fails, and is replaced before the request's query meets it."""
    dead = _request(pooled)
    _terminate(dead)
    _until_the_goodbye_arrives(dead)
    with _checks() as checked:
        assert _request(pooled) not in (dead, None)
    assert checked.call_count == 1


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=60)
def test_every_dead_connection_in_the_pool_is_passed_over(pooled_three):
    """After an outage every idle connection may be dead: each is checked once and replaced, and the
    request gets a live one."""
    pooled_three.pool.open(wait=True)
    held = [pooled_three.pool.getconn() for _ in range(3)]
    pids = [conn.execute("SELECT pg_backend_pid()").fetchone()[0] for conn in held]
    for conn in held:
        pooled_three.pool.putconn(conn)
    for pid in pids:
        _terminate(pid)
    for pid in pids:
        _until_the_goodbye_arrives(pid)
    assert _request(pooled_three) not in (*pids, None)


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=60)
def test_within_the_window_a_silently_dropped_connection_fails_one_request_and_is_replaced(pooled):
    """The price of skipping the round trip: a connection that looks quiet but is dead (a network that
    dropped silently, here a socket the pool does not know was shut for reading) fails the one request
    that meets it (the web answers 503), and the pool never lends that connection again."""
    dead = _request(pooled)
    with mock.patch("core.postgresql.base._may_have_died", return_value=False):
        _terminate(dead)
        _until_the_goodbye_arrives(dead)
        with pytest.raises(OperationalError):
            _request(pooled)
    assert _request(pooled) != dead


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=60)
def test_the_connections_the_check_replaced_show_as_lost_in_the_heartbeat(pooled):
    from ops.runtime.heartbeat import pool_stats

    dead = _request(pooled)
    before = pool_stats(pooled)["connections_lost"]
    _terminate(dead)
    _until_the_goodbye_arrives(dead)
    _request(pooled)
    assert pool_stats(pooled)["connections_lost"] == before + 1


@override_settings(DB_POOL_CHECK_AFTER_SECONDS=0, DB_NETWORK_TIMEOUT_SECONDS=0.5)
def test_a_silent_database_costs_a_request_one_network_timeout_not_one_per_idle_connection():
    """A partition with a pool full of idle connections: the first check that waits out the bound ends the
    request (503), instead of waiting as long again on each of the other idle connections."""
    from tests.tcp_proxy import ControlledProxy

    with ControlledProxy(int(connection.settings_dict["PORT"] or 5432)) as proxy:
        backend = _pooled_backend(3, port=str(proxy.port))
        wrapper = next(backend)
        try:
            wrapper.pool.open(wait=True)
            proxy.blackhole()
            started = time.monotonic()
            with pytest.raises(OperationalError):
                _request(wrapper)
            waited = time.monotonic() - started
            assert 0.5 <= waited < 1.45, waited  # one bound of 0.5 s, not three (1.5 s) nor the pool's wait after
        finally:
            proxy.forward()
            next(backend, None)
