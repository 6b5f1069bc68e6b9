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


class Operations(models.Model):
    """Holds the portal's custom permissions (no table): who may see which page and press which button.

    Superuser-only actions (restart, scale, terminate, maintenance) deliberately have no permission
    here: they cannot be granted to a group by mistake. Roles are assembled in ``ops/roles.py``.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can see the operations dashboard tiles"),
            ("view_dynos", "Can see dynos and their heartbeats"),
            ("change_formation", "Can edit the expected formation"),
            ("view_database_budget", "Can see the database's connection budget and pools (no query text)"),
            ("view_database", "Can see database connections and queries"),
            ("cancel_query", "Can cancel a running database query"),
            ("end_idle_session", "Can end an idle-in-transaction session of our own application"),
            ("view_task_details", "Can see task arguments, results and tracebacks"),
            ("retry_task", "Can retry a task or run a schedule now"),
            # Support tools (ops/admin/pages/support.py)
            ("resend_email", "Can resend a reminder, digest, invitation or password-reset email"),
            ("unlock_login", "Can unlock a locked-out login"),
            ("reparse_inbound", "Can re-run parsing of a stored inbound email"),
            ("redeliver_webhook", "Can send an outgoing webhook delivery again"),
        ]

    def __str__(self) -> str:
        return "operations"


class AuditRecord(models.Model):
    """One ops action: who did what to which target, with which (masked) parameters, and how it went."""

    class Result(models.TextChoices):
        OK = "ok", "OK"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=254, help_text="who, as they were called when they acted")
    action = models.CharField(max_length=100, db_index=True, help_text="dotted name, e.g. database.cancel")
    target = models.CharField(max_length=300, blank=True)
    parameters = models.JSONField(default=dict, blank=True, help_text="secrets masked before saving")
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.OK, db_index=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["action", "-created_at"], name="ops_audit_action_recent")]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target}".strip()


class OpsSetting(models.Model):
    """A small setting the portal edits at run time (expected formation, maintenance mode)."""

    key = models.CharField(max_length=64, unique=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.key


class Sample(models.Model):
    """One figure measured by the sampler once a minute, kept for ``OPS_SAMPLE_RETENTION_DAYS``.

    ``metric`` names what was measured (``queue.depth``, ``tasks.failed``, ``web.p95_ms`` …) and
    ``key`` which one (a queue, a task name, a dyno); the charts read one metric over 24 hours.
    """

    taken_at = models.DateTimeField(db_index=True)
    metric = models.CharField(max_length=64)
    key = models.CharField(max_length=200, blank=True)
    value = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["metric", "taken_at"], name="ops_sample_metric_time")]

    def __str__(self) -> str:
        return f"{self.metric}[{self.key}]={self.value} @ {self.taken_at:%H:%M}"
