"""Hook secrets encrypted at rest (core/crypto.py), plus the per-hook events and pause of the hooks page.

Reversible: going back decrypts every secret into the plain column again (with the same keys)."""

import core.models.webhooks
from django.db import migrations, models

from core.crypto import seal, unseal


def encrypt_secrets(apps, schema_editor):
    Hook = apps.get_model("core", "Hook")
    for hook in Hook.objects.only("pk", "secret").iterator(chunk_size=500):
        Hook.objects.filter(pk=hook.pk).update(secret_encrypted=seal(hook.secret))


def decrypt_secrets(apps, schema_editor):
    Hook = apps.get_model("core", "Hook")
    for hook in Hook.objects.only("pk", "secret_encrypted").iterator(chunk_size=500):
        Hook.objects.filter(pk=hook.pk).update(secret=unseal(hook.secret_encrypted))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0016_drop_delivery_newest_covered_by_ops_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="hook",
            name="secret_encrypted",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="hook",
            name="events",
            field=models.JSONField(default=core.models.webhooks.all_webhook_events),
        ),
        migrations.AddField(
            model_name="hook",
            name="paused_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False),
        migrations.RemoveField(model_name="hook", name="secret"),
    ]
