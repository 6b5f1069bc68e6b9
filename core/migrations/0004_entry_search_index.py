"""A GIN index for the search page on PostgreSQL: the same expression the search query filters on.

SQLite has no full-text index of this kind (search there is a contains scan), so it gets nothing.
"""

from django.db import migrations

INDEX = "entry_text_search_en"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON core_entry "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_merge_product_and_daily_loop")]
    operations = [migrations.RunPython(create, drop)]
