from django.core.management.base import BaseCommand

from scheduled.sync import schedules_sync


class Command(BaseCommand):
    help = "Create or update the beat schedules defined in scheduled/schedules.py (keeps paused ones paused)."

    def handle(self, *args, **options):
        result = schedules_sync()
        self.stdout.write(
            f"schedules: created {result['created']}, updated {result['updated']}, removed {result['removed']}"
        )
