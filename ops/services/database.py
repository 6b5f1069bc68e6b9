"""Stopping a PostgreSQL session someone chose on the database page: cancel its query or end it."""

from django.db import connection

from ops.services.audit import audited


class BackendRefused(Exception):
    """The pid may not be signalled from the portal (its own session, not a client, or gone)."""


def _describe(pid: int) -> dict:
    """The target as the server sees it, checked to be another client session (never our own)."""
    if connection.vendor != "postgresql":
        raise BackendRefused("the embedded database has no sessions to cancel")
    with connection.cursor() as cursor:
        if not connection.get_autocommit():
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # see the session as it is now
        cursor.execute(
            "SELECT pid = pg_backend_pid(), backend_type, coalesce(application_name, ''), coalesce(state, '')"
            " FROM pg_stat_activity WHERE pid = %s",
            [pid],
        )
        row = cursor.fetchone()
    if row is None:
        raise BackendRefused(f"no session with pid {pid} (it may have ended)")
    own, backend_type, application, state = row
    if own:
        raise BackendRefused("that is the portal's own connection")
    if backend_type != "client backend":
        raise BackendRefused(f"pid {pid} is a {backend_type}, not a client session")
    return {"pid": pid, "application": application, "state": state}


def _signal(*, actor, pid: int, function: str, action: str) -> bool:
    with audited(actor=actor, action=action, target=f"pid {pid}", parameters={"pid": pid}) as audit:
        audit.parameters.update(_describe(pid))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [pid])  # noqa: S608  function is one of two literals
            signalled = bool(cursor.fetchone()[0])
        audit.detail = "signalled" if signalled else "the server did not signal it (already gone?)"
    return signalled


def database_backend_cancel(*, actor, pid: int) -> bool:
    """Cancel the session's current query (``pg_cancel_backend``); an open transaction is rolled back."""
    return _signal(actor=actor, pid=pid, function="pg_cancel_backend", action="database.cancel")


def database_backend_terminate(*, actor, pid: int) -> bool:
    """End the session (``pg_terminate_backend``): its connection closes, its pool opens a new one."""
    return _signal(actor=actor, pid=pid, function="pg_terminate_backend", action="database.terminate")


IDLE_SESSION_OF_OURS = """SELECT pid, coalesce(application_name, ''), coalesce(state, ''),
           datname = current_database(), usename = current_user, pid = pg_backend_pid(), backend_type
    FROM pg_stat_activity WHERE pid = %s"""


def database_idle_session_end(*, actor, pid: int) -> bool:
    """End a session of our own application that sits idle in transaction (developers may do this).

    Only a client session of our database, logged in as our role, whose state is idle in
    transaction: its open transaction (and the locks it holds) is rolled back. The state is checked
    again in the statement that signals, so a session that went back to work is left alone.
    """
    with audited(actor=actor, action="database.end_idle_session", target=f"pid {pid}",
                 parameters={"pid": pid}) as audit:
        if connection.vendor != "postgresql":
            raise BackendRefused("the embedded database has no sessions to end")
        with connection.cursor() as cursor:
            if not connection.get_autocommit():
                cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(IDLE_SESSION_OF_OURS, [pid])
            row = cursor.fetchone()
            if row is None:
                raise BackendRefused(f"no session with pid {pid} (it may have ended)")
            _pid, application, state, our_database, our_role, own, backend_type = row
            audit.parameters.update({"application": application, "state": state})
            if own:
                raise BackendRefused("that is the portal's own connection")
            if backend_type != "client backend" or not our_database or not our_role:
                raise BackendRefused(f"pid {pid} is not a session of our application (other database, role or "
                                     "process): only a superuser may terminate it")
            if not state.startswith("idle in transaction"):
                raise BackendRefused(f"pid {pid} is {state or 'not'} idle in transaction: nothing was ended")
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = %s"
                " AND datname = current_database() AND usename = current_user AND state LIKE 'idle in transaction%%'",
                [pid],
            )
            signalled = bool((cursor.fetchone() or [False])[0])
        audit.detail = "ended" if signalled else "it left idle in transaction before the signal: nothing was ended"
    return signalled
