"""Indexes for the support tools: the find box and the person page read big tables by index only.

``lower(column) text_pattern_ops`` serves both an exact case-insensitive match and a prefix
(``LIKE 'abc%'``) on PostgreSQL; SQLite gets the plain expression index. The delivery and inbound
logs get an index per filter, ending in the page's one ordering (newest first). Built
``CONCURRENTLY`` on PostgreSQL (no write lock on live tables), hence ``atomic = False``.
"""

from django.db import migrations

# name: (table, PostgreSQL columns, SQLite columns)
INDEXES = {
    "ops_find_user_email": ("core_user", "(lower(email) text_pattern_ops)", "(lower(email))"),
    "ops_find_user_name": ("core_user", "(lower(full_name) text_pattern_ops)", "(lower(full_name))"),
    "ops_find_user_nickname": ("core_user", "(lower(nickname) text_pattern_ops)", "(lower(nickname))"),
    "ops_find_alt_email": ("core_alternateemail", "(lower(email) text_pattern_ops)", "(lower(email))"),
    "ops_find_team_name": ("core_team", "(lower(name) text_pattern_ops)", "(lower(name))"),
    "ops_inbound_sender": ("core_inboundmessage", "(lower(from_email) text_pattern_ops, received_at DESC)",
                           "(lower(from_email), received_at DESC)"),
    "ops_inbound_esp": ("core_inboundmessage", "(esp, received_at DESC, id DESC)", "(esp, received_at DESC, id DESC)"),
    "ops_inbound_user": ("core_inboundmessage", "(user_id, received_at DESC)", "(user_id, received_at DESC)"),
    "ops_inbound_outcome": ("core_inboundmessage", "(outcome, received_at DESC, id DESC)",
                            "(outcome, received_at DESC, id DESC)"),
    "ops_inbound_recent": ("core_inboundmessage", "(received_at DESC, id DESC)", "(received_at DESC, id DESC)"),
    "ops_delivery_recent": ("core_delivery", "(claimed_at DESC, id DESC)", "(claimed_at DESC, id DESC)"),
    "ops_delivery_status": ("core_delivery", "(status, claimed_at DESC, id DESC)", "(status, claimed_at DESC, id DESC)"),
    "ops_delivery_kind": ("core_delivery", "(kind, claimed_at DESC, id DESC)", "(kind, claimed_at DESC, id DESC)"),
    "ops_delivery_to": ("core_delivery", "(lower(to_email) text_pattern_ops)", "(lower(to_email))"),
    "ops_audit_recent": ("ops_auditrecord", "(created_at DESC, id DESC)", "(created_at DESC, id DESC)"),
    "ops_audit_result": ("ops_auditrecord", "(result, created_at DESC, id DESC)", "(result, created_at DESC, id DESC)"),
    "ops_audit_target": ("ops_auditrecord", "(target text_pattern_ops)", "(target)"),
}


def create_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgres else ""
    for name, (table, pg_columns, sqlite_columns) in INDEXES.items():
        columns = pg_columns if postgres else sqlite_columns
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {table} {columns}")
    if postgres:
        for table in sorted({table for table, _, _ in INDEXES.values()}):
            schema_editor.execute(f"ANALYZE {table}")


def drop_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ops", "0012_support_permissions"),
        ("core", "0008_delivery_resend"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
