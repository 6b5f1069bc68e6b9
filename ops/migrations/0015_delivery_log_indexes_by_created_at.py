"""The delivery log's indexes end in ``created_at``: since every email is an owed row, ``claimed_at`` is
set only once a sender claims it (never for a skipped or still pending one), so the log orders by when
a row was written. Built ``CONCURRENTLY`` on PostgreSQL (no write lock on a live table), hence ``atomic = False``.
"""

from django.db import migrations

# name: (old columns, new columns); the same on PostgreSQL and SQLite.
INDEXES = {
    "ops_delivery_recent": ("(claimed_at DESC, id DESC)", "(created_at DESC, id DESC)"),
    "ops_delivery_status": ("(status, claimed_at DESC, id DESC)", "(status, created_at DESC, id DESC)"),
    "ops_delivery_kind": ("(kind, claimed_at DESC, id DESC)", "(kind, created_at DESC, id DESC)"),
}


def _rebuild(schema_editor, *, new: bool) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgres else ""
    for name, (old_columns, new_columns) in INDEXES.items():
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")
        columns = new_columns if new else old_columns
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON core_delivery {columns}")
    if postgres:
        schema_editor.execute("ANALYZE core_delivery")


def forwards(apps, schema_editor):
    _rebuild(schema_editor, new=True)


def backwards(apps, schema_editor):
    _rebuild(schema_editor, new=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ops", "0014_database_budget_and_idle_session_permissions"),
        ("core", "0011_delivery_outbox_every_email"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
