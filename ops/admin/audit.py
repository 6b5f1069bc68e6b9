"""The audit log: read-only for everyone, superusers included (nobody edits history)."""

from django.contrib import admin

from ops.admin.base import ReadOnlyAdmin
from ops.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "action", "target", "result", "short_detail")
    list_filter = ("result", "action", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_label", "action", "target")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditRecord._meta.fields]
    list_select_related = ("actor",)

    @admin.display(description="detail")
    def short_detail(self, obj):
        return obj.detail[:80]
