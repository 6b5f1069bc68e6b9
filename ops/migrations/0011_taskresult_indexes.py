"""Indexes for the task history page, on django-celery-results' table (millions of rows).

Every filter the page offers is an equality followed by the page's one ordering (newest first),
so each gets a composite index ending in ``date_done DESC, id DESC``; the page then reads 50 rows
from an index instead of sorting the table. On PostgreSQL they are built ``CONCURRENTLY`` (no
write lock on a live table), which cannot run inside a transaction: hence ``atomic = False``.
"""

from django.db import migrations

INDEXES = {
    "ops_tr_done_id": "(date_done DESC, id DESC)",
    "ops_tr_status_done": "(status, date_done DESC, id DESC)",
    "ops_tr_name_done": "(task_name, date_done DESC, id DESC)",
    "ops_tr_periodic_done": "(periodic_task_name, date_done DESC, id DESC)",
    "ops_tr_worker_done": "(worker, date_done DESC, id DESC)",
}
TABLE = "django_celery_results_taskresult"


def create_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {TABLE} {columns}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ANALYZE {TABLE}")  # a fresh reltuples for the estimated count


def drop_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ops", "0010_samples"),
        ("django_celery_results", "0014_alter_taskresult_status"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
