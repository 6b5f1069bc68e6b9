"""``delivery_newest`` (created_at DESC) is a prefix of ops' ``ops_delivery_recent`` (created_at DESC, id DESC),
which serves the delivery log and this model's default ordering: one index write per email less.
Dropped only after ops has built the wider index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0015_inbound_parsed_by_the_worker"),
        ("ops", "0015_delivery_log_indexes_by_created_at"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="delivery", name="delivery_newest"),
    ]
