"""The audit log: read-only for everyone, superusers included (nobody edits history).

It grows by every action, so ``BigTableAdmin``'s rules apply: no full count, no ``date_hierarchy``,
filters and the one ordering served by indexes, and the action filter's choices read by a loose
index scan instead of ``SELECT DISTINCT`` over the table.
"""

from django.contrib import admin

from ops.admin.base import BigTableAdmin
from ops.admin.paging import distinct_filter
from ops.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(BigTableAdmin):
    list_display = ("created_at", "actor_label", "action", "target", "result", "short_detail")
    list_filter = ("result", distinct_filter("action", "action"), ("created_at", admin.DateFieldListFilter))
    search_fields = ("target",)  # the real search is get_search_results
    search_help_text = "A target from its start (an email, a task id…) or an exact action name."
    ordering = ("-created_at", "-id")
    readonly_fields = [f.name for f in AuditRecord._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(target__startswith=term) | queryset.filter(action=term), False

    @admin.display(description="detail")
    def short_detail(self, obj):
        return obj.detail[:80]
