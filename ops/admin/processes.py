"""Processes: the heartbeat every web, worker and beat process writes."""

from django.contrib import admin

from ops.admin.base import AuditedModelAdmin
from ops.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(AuditedModelAdmin, admin.ModelAdmin):
    """Read-only; deleting a gone process's row (superusers) is audited like every other portal change."""

    list_display = (
        "dyno",
        "process_type",
        "state",
        "release",
        "host",
        "pid",
        "started_at",
        "last_seen",
        "threads",
        "concurrency",
        "busy_threads",
        "memory",
    )
    list_filter = ("process_type",)
    readonly_fields = [f.name for f in Heartbeat._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="memory")
    def memory(self, obj):
        return f"{obj.rss_bytes / 2**20:.0f} MiB" if obj.rss_bytes else "–"
