"""Deliveries and inbound email (read-only): what was sent to whom, and every email that came in."""

from django.contrib import admin

from core.models import Delivery, InboundMessage
from ops.admin.base import ReadOnlyAdmin


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("local_date", "kind", "status", "to_email", "subject", "attempts", "claimed_at", "sent_at")
    search_fields = ("to_email", "provider_message_id")
    # A row per email sent: a date filter without date_hierarchy's aggregates over the whole table.
    list_filter = ("status", "kind", ("local_date", admin.DateFieldListFilter))
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
