"""The database page on a real server: only our database, dead holders, the lock graph, and a developer
ending an idle-in-transaction session that blocks others (confirmed, audited, refused for anything else)."""

import datetime as dt
import threading
import uuid

import psycopg
import pytest
from django.urls import reverse
from django.utils import timezone

from ops.models import AuditRecord
from ops.selectors.database import database_overview, lock_graph
from ops.services.database import BackendRefused, database_idle_session_end
from tests import processes
from tests.conftest import requires_postgres
from tests.ops.conftest import client_for, heartbeat
from tests.processes import wait_for

pytestmark = [pytest.mark.django_db, requires_postgres]


def _other_database_url() -> str:
    """The same server, another database (``postgres`` always exists): someone else's connections."""
    return processes.test_database_url().rsplit("/", 1)[0] + "/postgres"


@pytest.fixture
def probe_table():
    """A committed row other sessions can lock (the test's own transaction is invisible to them)."""
    name = f"ops_lock_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(processes.test_database_url(), autocommit=True) as admin:
        admin.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, n int NOT NULL)")
        admin.execute(f"INSERT INTO {name} VALUES (1, 0)")  # noqa: S608  (a name made above)
        yield name
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name LIKE 'test-lock-%' AND datname = current_database()"
        )
        admin.execute(f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def blocker(probe_table):
    """A session that locked the row and went quiet: idle in transaction, holding the lock."""
    with psycopg.connect(processes.test_database_url(), application_name="test-lock-blocker") as holder:
        holder.execute(f"SELECT n FROM {probe_table} WHERE id = 1 FOR UPDATE")  # noqa: S608
        yield holder


@pytest.fixture
def waiter(probe_table, blocker):
    """A session waiting on the blocker's row lock (in a thread: its UPDATE blocks until the lock goes)."""
    outcome: dict = {}

    def update():
        with psycopg.connect(
            processes.test_database_url(), application_name="test-lock-waiter", autocommit=True
        ) as other:
            outcome["pid"] = other.info.backend_pid
            try:
                other.execute(f"UPDATE {probe_table} SET n = n + 1 WHERE id = 1")  # noqa: S608
                outcome["updated"] = True
            except psycopg.Error as error:
                outcome["error"] = error

    thread = threading.Thread(target=update)
    thread.start()
    wait_for(
        lambda: "pid" in outcome and any(outcome["pid"] in [s["pid"] for s in b["blocks"]] for b in lock_graph()),
        timeout=10,
        what="the waiter to block",
    )
    yield outcome
    thread.join(timeout=15)


def test_it_shows_the_blocker_and_the_blocked_and_a_developer_ends_the_blocker(dev, blocker, waiter):
    blocker_pid = blocker.info.backend_pid
    graph = lock_graph()
    head = next(b for b in graph if b["pid"] == blocker_pid)
    assert head["state"] == "idle in transaction" and head["application"] == "test-lock-blocker"
    assert [s["pid"] for s in head["blocks"]] == [waiter["pid"]] and "UPDATE" in head["blocks"][0]["query"]

    client = client_for(dev)
    page = client.get(reverse("admin:ops_database")).content.decode()
    assert f'data-blocker="{blocker_pid}"' in page
    assert f'data-blocked="{waiter["pid"]}" data-blocked-by="{blocker_pid}"' in page
    assert f'data-end-idle="{blocker_pid}"' in page and f'data-terminate="{blocker_pid}"' not in page

    url = reverse("admin:ops_database_end_idle_session")
    asked = client.post(url, {"pid": blocker_pid})
    assert asked.status_code == 200 and f"End session pid {blocker_pid}, idle in transaction?" in asked.content.decode()
    assert not AuditRecord.objects.exists()  # asking is not doing
    done = client.post(url, {"pid": blocker_pid, "confirmed": "yes"}, follow=True)
    assert f"Session pid {blocker_pid} ended" in done.content.decode()
    wait_for(lambda: waiter.get("updated"), timeout=10, what="the waiter to get the lock")
    with pytest.raises(psycopg.OperationalError):
        blocker.execute("SELECT 1")
    record = AuditRecord.objects.get(action="database.end_idle_session")
    assert (record.actor, record.result, record.target) == (dev, "ok", f"pid {blocker_pid}")
    assert record.parameters["application"] == "test-lock-blocker"
    assert not any(b["pid"] == blocker_pid for b in lock_graph())


def test_support_sees_the_verdict_and_pools_but_no_queries_or_buttons(sam, blocker, waiter):
    page = client_for(sam).get(reverse("admin:ops_database")).content.decode()
    assert 'id="budget"' in page and 'id="pools"' in page and "data-details-hidden" in page
    assert "FOR UPDATE" not in page and "data-blocker" not in page and "data-end-idle" not in page
    assert 'data-role="developer"' in page  # the page says who can do what
    response = client_for(sam).post(
        reverse("admin:ops_database_end_idle_session"), {"pid": blocker.info.backend_pid, "confirmed": "yes"}
    )
    assert response.status_code == 403 and not AuditRecord.objects.exists()


def test_it_never_shows_or_ends_a_session_of_another_database(dev):
    with psycopg.connect(_other_database_url(), application_name="test-lock-elsewhere") as elsewhere:
        elsewhere.execute("SELECT 1")  # idle in transaction, on the same server, in another database
        pid = elsewhere.info.backend_pid
        overview = database_overview(expected={})
        assert overview.other_databases >= 1
        assert all(row["application"] != "test-lock-elsewhere" for row in overview.activity)
        assert all(s["pid"] != pid for s in overview.sessions)
        page = client_for(dev).get(reverse("admin:ops_database")).content.decode()
        assert "test-lock-elsewhere" not in page and f'data-pid="{pid}"' not in page
        with pytest.raises(BackendRefused, match="not a session of our application"):
            database_idle_session_end(actor=dev, pid=pid)
        assert elsewhere.execute("SELECT 2").fetchone() == (2,)  # still alive
    record = AuditRecord.objects.get(action="database.end_idle_session")
    assert record.result == "failed" and "not a session of our application" in record.detail


def test_it_refuses_to_end_a_session_that_is_not_idle_in_transaction(dev):
    with psycopg.connect(processes.test_database_url(), application_name="test-lock-idle", autocommit=True) as idle:
        idle.execute("SELECT 1")  # plain idle: no transaction, nothing to end
        with pytest.raises(BackendRefused, match="not idle in transaction|is idle"):
            database_idle_session_end(actor=dev, pid=idle.info.backend_pid)
        assert idle.execute("SELECT 2").fetchone() == (2,)


def test_it_marks_sessions_of_stopped_gone_or_replaced_processes_as_dead_holders(dev):
    now = timezone.now()
    heartbeat("test-lock-stopped", "worker", stopped_at=now)
    heartbeat("test-lock-gone", "worker", age_seconds=3600)
    later = (now + dt.timedelta(minutes=5)).isoformat()  # the process reporting now started after the session
    heartbeat("test-lock-replaced", "web", stats={"pool": {"mode": "embedded"}, "process_started": later})
    heartbeat("test-lock-alive", "web")
    names = ("test-lock-stopped", "test-lock-gone", "test-lock-replaced", "test-lock-alive", "test-lock-psql")
    sessions = [
        psycopg.connect(processes.test_database_url(), application_name=name, autocommit=True) for name in names
    ]
    try:
        overview = database_overview(expected={})
        holders = {row["application"]: (row["holder"], row["dead"]) for row in overview.activity}
        assert holders["test-lock-stopped"] == ("dead", 1) and holders["test-lock-gone"] == ("dead", 1)
        assert holders["test-lock-replaced"] == ("dead", 1)
        assert holders["test-lock-alive"] == ("up", 0) and holders["test-lock-psql"] == ("", 0)
        assert overview.dead_holders >= 3
        page = client_for(dev).get(reverse("admin:ops_database")).content.decode()
        assert 'data-application="test-lock-stopped" data-holder="dead"' in page
        assert 'data-application="test-lock-alive" data-holder="up"' in page
    finally:
        for session in sessions:
            session.close()
