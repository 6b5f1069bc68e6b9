"""The portal's model pages: processes (heartbeats) and the people and teams support looks up."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from core.models import Entry, Membership, Team, User
from ops.admin_audit import AuditedModelAdmin
from ops.admin_readonly import ReadOnlyAdmin
from ops.models import AuditRecord, Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
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


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "time_zone", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "time_zone")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("name", "hash_id", "organization", "is_personal", "created_at")
    search_fields = ("name", "hash_id", "slug")
    list_select_related = ("organization",)
    inlines = [MembershipInline]


@admin.register(Entry)
class EntryAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("hash_id", "kind", "author", "team", "occurred_on", "created_at")
    list_filter = ("kind",)
    search_fields = ("hash_id", "author__email")
    list_select_related = ("author", "team")
    raw_id_fields = ("author", "team")
    show_full_result_count = False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    """The audit log: read-only for everyone, superusers included (nobody edits history)."""

    list_display = ("created_at", "actor_label", "action", "target", "result", "short_detail")
    list_filter = ("result", "action", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_label", "action", "target")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditRecord._meta.fields]
    list_select_related = ("actor",)

    @admin.display(description="detail")
    def short_detail(self, obj):
        return obj.detail[:80]


import ops.admin_loop  # noqa: E402,F401  (the daily loop's pages, kept apart to merge cleanly)


# --- portal 2: task history and beat schedules replace the stock admins of their packages --------
def _replace_stock_admins() -> None:
    import django_celery_beat.admin  # noqa: F401  (registers the stock admins first, so they can be replaced)
    import django_celery_results.admin  # noqa: F401
    from django_celery_beat.models import PeriodicTask
    from django_celery_results.models import TaskResult

    from ops.admin_beat import PeriodicTaskAdmin
    from ops.admin_tasks import TaskResultAdmin

    for model, model_admin in ((TaskResult, TaskResultAdmin), (PeriodicTask, PeriodicTaskAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)


_replace_stock_admins()
