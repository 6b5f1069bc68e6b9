"""The database page: server limits, connections by dyno, the budget, and stopping a stuck session."""

import threading

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from ops.models import AuditRecord
from ops.selectors.database import database_overview, slow_sessions
from ops.services.database import BackendRefused, database_backend_cancel
from tests import processes
from tests.conftest import ON_POSTGRES, requires_postgres
from tests.ops.conftest import client_for, heartbeat
from tests.processes import wait_for

pytestmark = pytest.mark.django_db


def test_it_describes_the_database_it_runs_on(dev):
    page = client_for(dev).get(reverse("admin:ops_database")).content.decode()
    if ON_POSTGRES:  # the PostgreSQL details are covered below; here: no "embedded" claim
        assert "data-embedded" not in page and "data-max-connections" in page
        return
    assert "data-embedded" in page and "SQLite" in page and 'id="budget"' not in page
    with pytest.raises(BackendRefused, match="embedded"):
        database_backend_cancel(actor=dev, pid=123)


@pytest.fixture
def idle_in_transaction():
    """Another client that opened a transaction and went quiet: the classic connection hog."""
    with psycopg.connect(processes.test_database_url(), application_name="test-idle-tx", autocommit=False) as other:
        other.execute("SELECT 1")
        yield other


def _session(pid: int):
    return next((s for s in slow_sessions() if s["pid"] == pid), None)


@requires_postgres
def test_it_shows_the_server_connections_by_application_and_each_pool(dev, idle_in_transaction):
    heartbeat("web.1", "web", threads=90, stats={"pool": {"mode": "pool", "pool_min": 2, "pool_max": 20, "pool_size": 5,
                                              "pool_available": 3, "requests_waiting": 0, "requests_errors": 1}})
    overview = database_overview(expected={"web": 2, "worker": 1, "beat": 1})
    assert overview.version.startswith("PostgreSQL ") and overview.max_connections > 0
    assert overview.size_bytes > 0 and overview.reserved >= 0
    idle = next(row for row in overview.activity if row["application"] == "test-idle-tx")
    assert idle["idle_in_transaction"] == 1 and idle["total"] == 1
    assert overview.budget.lines[0][2] == 2 * (20 + 1)  # 2 web dynos × (their observed pool max + heartbeat's own)
    page = client_for(dev).get(reverse("admin:ops_database")).content.decode()
    assert 'data-application="test-idle-tx"' in page
    assert 'data-pool="web.1"' in page and "2 / 20" in page
    assert "it fits" in page or "does not fit" in page
    assert "old rule of thumb" in page


@requires_postgres
def test_it_lists_an_idle_in_transaction_session_but_never_its_own(dev, idle_in_transaction):
    session = wait_for(lambda: _session(idle_in_transaction.info.backend_pid), timeout=5, what="session listed")
    assert session["state"] == "idle in transaction" and session["application"] == "test-idle-tx"
    own = connection.cursor().connection.info.backend_pid
    assert _session(own) is None
    page = client_for(dev).get(reverse("admin:ops_database")).content.decode()
    assert f'data-pid="{idle_in_transaction.info.backend_pid}"' in page
    assert f'data-terminate="{idle_in_transaction.info.backend_pid}"' not in page  # developers cannot terminate


@requires_postgres
def test_a_superuser_terminates_an_idle_in_transaction_session_after_confirming(root, idle_in_transaction):
    pid = idle_in_transaction.info.backend_pid
    client = client_for(root)
    asked = client.post(reverse("admin:ops_database_terminate"), {"pid": pid})
    assert asked.status_code == 200 and f"Terminate session pid {pid}?" in asked.content.decode()
    assert _session(pid) is not None
    client.post(reverse("admin:ops_database_terminate"), {"pid": pid, "confirmed": "yes"})
    wait_for(lambda: _session(pid) is None, timeout=10, what="the session to end")
    with pytest.raises(psycopg.OperationalError):
        idle_in_transaction.execute("SELECT 1")
    record = AuditRecord.objects.get(action="database.terminate")
    assert (record.actor, record.result, record.parameters["application"]) == (root, "ok", "test-idle-tx")


@requires_postgres
def test_a_developer_cancels_a_long_running_query(dev, settings):
    settings.OPS_LONG_QUERY_SECONDS = 0
    outcome = {}

    def run_slow_query():
        with psycopg.connect(processes.test_database_url(), application_name="test-slow", autocommit=True) as other:
            outcome["pid"] = other.info.backend_pid
            try:
                other.execute("SELECT pg_sleep(60)")
            except psycopg.errors.QueryCanceled as error:
                outcome["error"] = error

    thread = threading.Thread(target=run_slow_query)
    thread.start()
    try:
        session = wait_for(lambda: "pid" in outcome and _session(outcome["pid"]), timeout=10, what="slow query")
        assert session["state"] == "active" and "pg_sleep" in session["query"]
        client_for(dev).post(reverse("admin:ops_database_cancel"), {"pid": session["pid"], "confirmed": "yes"})
        thread.join(timeout=10)
    finally:
        if thread.is_alive():  # never leave a 60 s query behind a failed assertion
            connection.cursor().execute("SELECT pg_cancel_backend(%s)", [outcome["pid"]])
            thread.join()
    assert isinstance(outcome.get("error"), psycopg.errors.QueryCanceled)
    assert AuditRecord.objects.get(action="database.cancel").actor == dev


@requires_postgres
def test_it_refuses_to_signal_the_portals_own_connection_and_audits_the_refusal(dev):
    own = connection.cursor().connection.info.backend_pid
    response = client_for(dev).post(reverse("admin:ops_database_cancel"), {"pid": own, "confirmed": "yes"}, follow=True)
    assert "the portal&#x27;s own connection" in response.content.decode()
    record = AuditRecord.objects.get(action="database.cancel")
    assert record.result == "failed" and "own connection" in record.detail


@requires_postgres
def test_a_cancel_leaves_an_idle_in_transaction_session_so_only_terminate_is_offered(dev, idle_in_transaction):
    pid = idle_in_transaction.info.backend_pid
    assert database_backend_cancel(actor=dev, pid=pid) is True  # PostgreSQL accepts the signal…
    assert _session(pid)["state"] == "idle in transaction"  # …and ignores it: no query is running
    assert idle_in_transaction.execute("SELECT 2").fetchone() == (2,)
    page = client_for(dev).get(reverse("admin:ops_database")).content.decode()
    assert f'data-cancel="{pid}"' not in page
