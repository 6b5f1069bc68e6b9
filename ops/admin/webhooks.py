"""Outgoing webhooks (read-only): every team's hooks — target and owner, never the secret — and the
delivery log, each row linking to its page with every attempt and the redeliver button."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from core.models import Hook, WebhookDelivery
from ops.admin.base import BigTableAdmin, ReadOnlyAdmin
from ops.masking import mask_url

# The secret (encrypted at rest) is not one: support never sees it. Nor a password or token the customer
# put in the target URL (``target``: masked).
HOOK_FIELDS = ("hash_id", "team", "user", "target", "events", "paused_at", "created_at", "updated_at")
# A delivery's target, and the hook and first delivery it points to (named by their target), shown masked.
DELIVERY_SHOWN = {"target_url": "target", "hook": "hook_shown", "redelivery_of": "redelivery_of_shown"}


class MaskedTargetMixin:
    """Read-only pages of objects with a ``target_url``: shown masked, in the columns, the fields and the
    object's name in the title, breadcrumbs and history (the objects are never saved here)."""

    @admin.display(description="target URL")
    def target(self, obj):
        return mask_url(obj.target_url)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.target_url = mask_url(obj.target_url)
        return obj


@admin.register(Hook)
class HookAdmin(MaskedTargetMixin, ReadOnlyAdmin):
    list_display = ("hash_id", "target", "team", "user", "paused_at", "created_at")
    list_select_related = ("team", "user")
    search_fields = ("=hash_id", "target_url")  # the real search is get_search_results
    fields = HOOK_FIELDS
    readonly_fields = HOOK_FIELDS

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # Matched against the target as shown (masked): listed or not must not answer a password guess.
        found = [pk for pk, url in queryset.filter(target_url__icontains=term).values_list("pk", "target_url")[:500]
                 if term.lower() in mask_url(url).lower()]
        return queryset.filter(Q(hash_id=term) | Q(pk__in=found)), False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(MaskedTargetMixin, BigTableAdmin):
    list_display = ("created_at", "event", "status", "target", "team", "attempts", "last_response_code", "page")
    list_select_related = ("team",)
    list_filter = ("status", "event", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=entry_hash_id",)
    search_help_text = "An entry's hash id (exact)."
    ordering = ("-created_at", "-id")
    readonly_fields = [DELIVERY_SHOWN.get(f.name, f.name) for f in WebhookDelivery._meta.fields]
    fields = readonly_fields

    @admin.display(description="hook")
    def hook_shown(self, obj):
        if obj.hook_id is None:
            return "–"
        url = reverse("admin:core_hook_change", args=[obj.hook_id])
        return format_html('<a href="{}">hook {}</a>', url, obj.hook.hash_id)

    @admin.display(description="redelivery of")
    def redelivery_of_shown(self, obj):
        if obj.redelivery_of_id is None:
            return "–"
        return format_html('<a href="{}">webhook delivery {}</a>',
                           reverse("admin:ops_webhook_delivery", args=[obj.redelivery_of_id]), obj.redelivery_of_id)

    @admin.display(description="attempts and redeliver")
    def page(self, obj):
        return format_html('<a href="{}">open</a>', reverse("admin:ops_webhook_delivery", args=[obj.pk]))
