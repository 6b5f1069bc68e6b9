"""Django's PostgreSQL backend whose pool checks a connection before lending it only when it may have died.

With ``CONN_HEALTH_CHECKS`` Django has psycopg's pool check every connection it lends, with a round trip
to the server: on a busy web dyno that is one more round trip on every request, as much as a small page's
own query. A connection whose server answered within ``DB_POOL_CHECK_AFTER_SECONDS`` (the last answer is
recorded by ``core.db.BoundedConnection``) was alive moments ago and is lent as it is; one idle for longer
— through an outage, a restart, a dropped network — is checked first, and a dead one goes back to the
pool, which discards it and opens a replacement, before any request uses it. What remains is a server
that died within that window: the one request that meets it answers 503, and the pool discards that
connection as it does any connection lost mid-request.

Django passes the pool its own ``check`` argument, so the check cannot be swapped through ``OPTIONS``:
the pool is created without one (``CONN_HEALTH_CHECKS = False``) and the check runs here, as a
connection is taken from it.
"""

from time import monotonic

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        if not self.pool:
            return super().get_new_connection(conn_params)
        # After an outage every idle connection in the pool may be dead: try each at most once.
        for _ in range(self.pool.max_size):
            connection = super().get_new_connection(conn_params)
            if monotonic() - getattr(connection, "answered_at", 0.0) < settings.DB_POOL_CHECK_AFTER_SECONDS:
                return connection
            try:
                ConnectionPool.check_connection(connection)
            except psycopg.Error:
                self.pool.putconn(connection)  # broken: the pool closes it and opens a replacement
                continue
            return connection
        return super().get_new_connection(conn_params)  # all were dead: a fresh one, or the pool's timeout
