"""Outgoing webhooks (read-only): every team's hooks — target and owner, never the secret — and the
delivery log, each row linking to its page with every attempt and the redeliver button."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.models import Hook, WebhookDelivery
from ops.admin.base import BigTableAdmin, ReadOnlyAdmin

# The secret (encrypted at rest) is not one: support never sees it.
HOOK_FIELDS = ("hash_id", "team", "user", "target_url", "events", "paused_at", "created_at", "updated_at")


@admin.register(Hook)
class HookAdmin(ReadOnlyAdmin):
    list_display = ("hash_id", "target_url", "team", "user", "paused_at", "created_at")
    list_select_related = ("team", "user")
    search_fields = ("=hash_id", "target_url")
    fields = HOOK_FIELDS
    readonly_fields = HOOK_FIELDS


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(BigTableAdmin):
    list_display = ("created_at", "event", "status", "target_url", "team", "attempts", "last_response_code", "page")
    list_select_related = ("team",)
    list_filter = ("status", "event", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=entry_hash_id",)
    search_help_text = "An entry's hash id (exact)."
    ordering = ("-created_at", "-id")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    @admin.display(description="attempts and redeliver")
    def page(self, obj):
        return format_html('<a href="{}">open</a>', reverse("admin:ops_webhook_delivery", args=[obj.pk]))
