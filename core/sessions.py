"""Sessions in the database, read with one written-out statement instead of the ORM.

Every signed-in request reads its session row. Django's database store builds that read with the ORM
(a queryset, its compiled SQL, a model instance), which cost about three times what running it did here;
this store reads the same row of the same table with the same conditions (the key, not yet expired), so
what a session is, how it is written, and how it ends (logout, flush, a password change, cleanup) are all
Django's: only the read is cheaper. Nothing is cached, so ending a session ends it on every process at once.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if key:
            model = self.model
            connection = connections[router.db_for_read(model)]
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608 (the model's table)
                    [key, connection.ops.adapt_datetimefield_value(timezone.now())],
                )
                row = cursor.fetchone()
            if row:
                return model(session_key=key, session_data=row[0])  # load() reads only the data
        # As Django's store: an unknown or expired key is forgotten, so saving makes a new one.
        self._session_key = None
        return None
