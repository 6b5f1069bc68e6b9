"""Deliveries and inbound email (read-only): what was sent to whom, and every email that came in.

Both tables grow by every email: ``BigTableAdmin`` keeps their pages fast (no full count, indexed
filters and ordering from ops migrations 0013 and 0015); searches are exact or prefix lookups on indexes.
"""

from django.contrib import admin
from django.db.models.functions import Lower

from core.models import Delivery, InboundMessage
from ops.admin.base import BigTableAdmin
from ops.admin.paging import distinct_filter


@admin.register(Delivery)
class DeliveryAdmin(BigTableAdmin):
    list_display = ("created_at", "local_date", "kind", "status", "to_email", "subject", "attempts", "sent_at",
                    "resend", "provider_answer")
    search_fields = ("to_email",)  # the real search is get_search_results
    search_help_text = "An address (from its start) or a provider message id (exact)."
    list_filter = ("status", "kind", ("created_at", admin.DateFieldListFilter))
    # Every row has created_at (claimed_at only once a sender took it): ops migration 0015.
    ordering = ("-created_at", "-id")
    raw_id_fields = ("membership", "user")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description="resend", boolean=True)
    def resend(self, obj):
        return obj.resend_of_id is not None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term and not term.startswith("<"):
            return queryset.alias(to_lower=Lower("to_email")).filter(to_lower__startswith=term.lower()), False
        return queryset.filter(provider_message_id=term), False


@admin.register(InboundMessage)
class InboundMessageAdmin(BigTableAdmin):
    list_display = ("received_at", "from_email", "to_email", "subject", "outcome", "entries_created", "entry_date")
    list_filter = ("outcome", distinct_filter("esp", "email provider"), ("received_at", admin.DateFieldListFilter))
    search_fields = ("from_email",)  # the real search is get_search_results
    search_help_text = "A sender's address (from its start) or a Message-ID (exact)."
    ordering = ("-received_at", "-id")
    list_select_related = ("user", "team")
    raw_id_fields = ("user", "team")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        changelist = request.resolver_match and request.resolver_match.url_name.endswith("changelist")
        return queryset.defer("raw", "reply_text", "parsed") if changelist else queryset  # big bodies: detail only

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        bare = term.strip("<>")
        by_id = queryset.filter(message_id__in={term, bare, f"<{bare}>"})
        if term.startswith("<"):
            return by_id, False
        by_sender = queryset.alias(sender=Lower("from_email")).filter(sender__startswith=term.lower())
        return by_id | by_sender, False
