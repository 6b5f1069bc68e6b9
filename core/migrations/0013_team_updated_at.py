import django.utils.timezone
from django.db import migrations, models


def updated_when_created(apps, schema_editor):
    # When existing teams last changed is unknown; their creation time is the one honest value.
    Team = apps.get_model("core", "Team")
    Team.objects.update(updated_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("core", "0012_delivery_provider_reconciliation")]

    operations = [
        migrations.AddField(
            model_name="team",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(updated_when_created, migrations.RunPython.noop),
    ]
