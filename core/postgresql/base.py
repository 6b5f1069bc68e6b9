"""Django's PostgreSQL backend whose pool checks a connection before lending it only when it may have died.

With ``CONN_HEALTH_CHECKS`` Django has psycopg's pool check every connection it lends, with a round trip
to the server: on a busy web dyno that is one more round trip on every request, as much as a small page's
own query, and one more wait for the thread that holds a pooled connection. Here the check is made
without asking the server when it can be:

- An idle connection has nothing to read. A server that ended the connection meanwhile (a restart, a
  crash, ``pg_terminate_backend``, an idle timeout) has sent its goodbye or closed the socket, so the
  socket reads as ready: such a connection gets the full check, fails it and is replaced, before any
  request's query meets it. Looking costs one ``poll`` with no timeout, a system call, not a round trip.
- A connection whose server answered within ``DB_POOL_CHECK_AFTER_SECONDS`` (recorded by
  ``core.db.BoundedConnection``) and reads as quiet is lent as it is. One idle for longer gets the full
  check, since a network that dropped silently leaves nothing to read.

What remains is a network that dropped silently within that window: the one request that meets it fails
after ``DB_NETWORK_TIMEOUT_SECONDS`` and answers 503, and the pool discards that connection as it does any
connection lost mid-request.

Django passes the pool its own ``check`` argument, so the check cannot be swapped through ``OPTIONS``:
the pool is created without one (``CONN_HEALTH_CHECKS = False``) and the check runs here, as a
connection is taken from it.
"""

import select
from time import monotonic

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

from core.db import DatabaseSilent


def _may_have_died(connection) -> bool:
    """Whether a pooled connection needs the round-trip check before it is lent (see the module)."""
    if monotonic() - getattr(connection, "answered_at", 0.0) >= settings.DB_POOL_CHECK_AFTER_SECONDS:
        return True
    try:
        poller = select.poll()
        poller.register(connection.pgconn.socket, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError, psycopg.Error):
        return True  # no socket to look at: let the check find out


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        if not self.pool:
            return super().get_new_connection(conn_params)
        # After an outage every idle connection in the pool may be dead: try each at most once.
        for _ in range(self.pool.max_size):
            connection = super().get_new_connection(conn_params)
            if not _may_have_died(connection):
                return connection
            try:
                ConnectionPool.check_connection(connection)
            except DatabaseSilent:
                # Nothing answered within the bound (a partition, a hung server): checking the next idle
                # connection would wait as long again, so this request answers 503 now.
                self.pool.putconn(connection)
                raise
            except psycopg.Error:
                self.pool.putconn(connection)  # broken: the pool closes it and opens a replacement
                continue
            return connection
        return super().get_new_connection(conn_params)  # all were dead: a fresh one, or the pool's timeout
