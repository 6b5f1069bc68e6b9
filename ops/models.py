"""What the operations portal records about the running system."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """One row per process (dyno), upserted every few seconds by the process itself."""

    class State(models.TextChoices):
        UP = "up", "Up"
        STALE = "stale", "Stale"
        GONE = "gone", "Gone"
        STOPPED = "stopped", "Stopped"

    dyno = models.CharField(max_length=200, unique=True)
    process_type = models.CharField(max_length=32, db_index=True)
    release = models.CharField(max_length=64, blank=True)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    threads = models.PositiveIntegerField(null=True, blank=True, help_text="web: waitress threads")
    concurrency = models.PositiveIntegerField(null=True, blank=True, help_text="worker: pool processes")
    busy_threads = models.PositiveIntegerField(null=True, blank=True)
    rss_bytes = models.BigIntegerField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True, help_text="requests, latency, pool and task figures")

    class Meta:
        ordering = ["process_type", "dyno"]

    def __str__(self) -> str:
        return self.dyno

    @property
    def state(self) -> str:
        if self.stopped_at:
            return self.State.STOPPED
        age = timezone.now() - self.last_seen
        interval = dt.timedelta(seconds=settings.HEARTBEAT_INTERVAL_SECONDS)
        if age <= 3 * interval:
            return self.State.UP
        if age <= max(20 * interval, dt.timedelta(minutes=5)):
            return self.State.STALE
        return self.State.GONE
