"""A psycopg connection that stops waiting for a database that stopped answering.

``statement_timeout`` is enforced by the server, so it cannot fire when the server never sees the
query (a network partition, a black-holed address): the client would wait for as long as the
partition lasts. This connection bounds every wait on its socket (a query, a commit, a fetch, the
pool's check) at ``DB_NETWORK_TIMEOUT_SECONDS`` (the process's statement timeout plus a grace),
then closes itself and raises ``OperationalError``: the request answers 503 and the pool replaces
the connection.
"""

from time import monotonic

import psycopg
from django.conf import settings
from psycopg import errors


class DatabaseSilent(psycopg.OperationalError):
    """The database did not answer within ``DB_NETWORK_TIMEOUT_SECONDS``: the connection was closed. Not a
    dead connection but a silent network or server, which every other connection would wait on as long."""


class BoundedConnection(psycopg.Connection):
    # When the server last answered on this connection (monotonic): the pool skips its check before
    # lending a connection that answered moments ago (core/postgresql/base.py).
    answered_at = 0.0

    def wait(self, gen, interval=0.1, timeout=None):
        if timeout is None:
            timeout = settings.DB_NETWORK_TIMEOUT_SECONDS or None
        try:
            answer = super().wait(gen, interval=interval, timeout=timeout)
        except errors._WaitTimeout:
            # The query may or may not have reached the server: this connection's state is unknown.
            # Closing it makes the pool discard it; an open transaction dies with it on the server.
            self.pgconn.finish()
            raise DatabaseSilent(f"the database did not answer within {timeout:g} s; connection closed") from None
        self.answered_at = monotonic()
        return answer


def server_binding_cursor(connection):
    """A cursor of ``connection`` (PostgreSQL, Django's wrapper: its errors, query log and wrappers) whose
    parameters travel beside the statement, psycopg's server-side binding, where Django's cursors quote
    each into the SQL text in Python. For a hot statement with many parameters: measured here, 23 of them
    (the inbound webhook's store) cost 93 µs of this process's CPU per execute instead of 143 µs.
    Django keeps client-side binding for everything else (its SQL relies on it in places)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
