"""An index for the digest's window: a team's entries posted since a time (``core/emails/digests.py``).

Without it the window's query read every entry the team ever wrote (by ``team_id``) and filtered on
``created_at``; with it, only the window. Built ``CONCURRENTLY`` on PostgreSQL (no write lock on the
entries table while it builds), which cannot run inside a transaction: hence ``atomic = False``.
"""

from django.db import migrations, models

NAME, TABLE = "entry_team_posted", "core_entry"


def create_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {NAME} ON {TABLE} (team_id, created_at)")


def drop_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0017_hook_secrets_encrypted_pause_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="entry",
                    index=models.Index(fields=["team", "created_at"], name=NAME),
                ),
            ],
            database_operations=[migrations.RunPython(create_index, drop_index)],
        ),
    ]
