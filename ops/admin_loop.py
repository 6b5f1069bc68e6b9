"""Read-only portal pages for the daily loop: what was sent to whom, and every email that came in."""

from django.contrib import admin

from core.models import Delivery, InboundMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False  # big tables: never count them whole

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("local_date", "kind", "status", "to_email", "subject", "attempts", "claimed_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to_email", "provider_message_id")
    date_hierarchy = "local_date"
    raw_id_fields = ("membership",)
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "from_email", "to_email", "subject", "outcome", "entries_created", "entry_date")
    list_filter = ("outcome", "esp")
    search_fields = ("from_email", "message_id")
    list_select_related = ("user", "team")
    raw_id_fields = ("user", "team")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
